"""The packed lists: one row per listener, track or artist; what goes in comes out, in rank order."""

import pytest
from django.urls import reverse

from recommend import packed
from recommend.models import RecommendationList
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
