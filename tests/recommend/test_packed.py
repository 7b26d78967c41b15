"""The packed lists: one row per listener, track or artist; what goes in comes out, in rank order."""

import pytest
from django.urls import reverse

from recommend import packed
from recommend.models import RecommendationList, SimilarTrackList
from tests.catalog.factories import make_track
from tests.recommend import reco_data


def test_recommendations_round_trip_with_shared_reasons():
    entries = [
        (11, 0.9, "Because you listened to A by B", 7),
        (12, 0.5, "Popular in\nJazz", None),
        (13, 0.25, "Because you listened to A by B", 7),
    ]
    items, reasons = packed.pack_recommendations(entries)
    assert len(items) == 3 * packed.RECOMMENDATION.size
    assert reasons.split("\n") == ["Because you listened to A by B", "Popular in Jazz"]  # once each
    decoded = packed.recommendation_entries(memoryview(items), reasons)  # PostgreSQL gives memoryviews
    assert [(e.rank, e.track_id, e.reason, e.seed_track_id) for e in decoded] == [
        (1, 11, "Because you listened to A by B", 7),
        (2, 12, "Popular in Jazz", None),
        (3, 13, "Because you listened to A by B", 7),
    ]
    assert [e.score for e in decoded] == pytest.approx([0.9, 0.5, 0.25])


def test_neighbours_round_trip_and_empty_lists():
    assert packed.neighbours(packed.pack_neighbours([(5, 0.75), (9, 0.5)])) == [(5, 0.75), (9, 0.5)]
    assert packed.neighbours(None) == [] and packed.recommendation_entries(b"", "") == []


@pytest.mark.django_db
def test_the_admin_shows_a_listeners_list_decoded(user, staff_client, django_assert_max_num_queries):
    seed, track = make_track("Seed"), make_track("Picked")
    reco_data.save_recommendations(user, [(track, 0.8, "Because you listened to Seed", seed)])
    with django_assert_max_num_queries(8):
        listing = staff_client.get(reverse("admin:recommend_recommendationlist_changelist"))
    assert listing.status_code == 200 and user.username in listing.content.decode()
    detail = staff_client.get(reverse("admin:recommend_recommendationlist_change", args=[user.pk]))
    text = detail.content.decode()
    assert detail.status_code == 200 and "Because you listened to Seed" in text and str(track.pk) in text
    assert 'name="_save"' not in text  # read-only
    assert RecommendationList.objects.get(user=user).size == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_packs_the_last_runs_rows(user):
    """Upgrading keeps the recommendations and neighbours the last run wrote, in rank order."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    first, second, seed = make_track("First"), make_track("Second"), make_track("Seed")
    executor = MigrationExecutor(connection)
    executor.migrate([("recommend", "0006_runlock_heartbeat_at")])
    old = executor.loader.project_state([("recommend", "0006_runlock_heartbeat_at")]).apps
    old.get_model("recommend", "Recommendation").objects.bulk_create(
        [
            old.get_model("recommend", "Recommendation")(
                user_id=user.pk, track_id=track.pk, rank=rank, score=1 / rank, reason=f"Reason {rank}",
                seed_track_id=seed.pk if rank == 1 else None,
            )
            for rank, track in ((2, second), (1, first))
        ]
    )  # fmt: skip
    similar = old.get_model("recommend", "SimilarTrack")
    similar.objects.create(track_id=first.pk, similar_id=second.pk, rank=1, score=0.5)
    executor = MigrationExecutor(connection)
    executor.migrate([("recommend", "0008_compact_lists")])
    row = RecommendationList.objects.get(user=user)
    entries = packed.recommendation_entries(row.items, row.reasons)
    assert [(e.track_id, e.reason, e.seed_track_id) for e in entries] == [
        (first.pk, "Reason 1", seed.pk),
        (second.pk, "Reason 2", None),
    ]
    assert packed.neighbours(SimilarTrackList.objects.get(track=first).items) == [(second.pk, 0.5)]
