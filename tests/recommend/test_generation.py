"""Generation on a small history with taste structure: what each listener gets, and how it is written."""

import re

import pytest

from catalog.models import Genre, Track
from listening import packed as listening_packed
from listening import selectors as listening_selectors
from listening.models import Play, Playlist, PlaylistTrack
from recommend import packed, selectors
from recommend.models import (
    RecommendationList,
    RecommendationRun,
    SimilarArtistList,
    SimilarTrackList,
    TastePick,
    TrackDislike,
)
from recommend.services import generation, training, workflow
from tests.listening.factories import generated_entries, generated_track_ids
from tests.recommend.pipeline_data import build_catalog, build_history, played_track_ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_adhoc_model():
    """Each test starts without the in-process model that cold starts keep before a nightly run."""
    generation._adhoc.clear()
    yield
    generation._adhoc.clear()


@pytest.fixture
def history():
    by_genre = build_catalog()
    users = build_history(by_genre)
    return by_genre, users


@pytest.fixture
def run(history):
    return workflow.run_sync()


def track_ids_of(owner, *kinds) -> list[int]:
    """Return the track ids of the owner's generated playlists (of these kinds, or all), in order."""
    playlists = Playlist.objects.filter(owner=owner).exclude(kind=Playlist.Kind.USER)
    if kinds:
        playlists = playlists.filter(kind__in=kinds)
    return [track_id for playlist in playlists.order_by("id") for track_id in generated_track_ids(playlist)]


def stored_entries(**owners) -> list[tuple[int, list]]:
    """Return (playlist id, its packed entries) of the generated playlists matching the filter, by id."""
    playlists = Playlist.objects.filter(**owners).exclude(kind=Playlist.Kind.USER).order_by("id")
    return [(playlist.pk, generated_entries(playlist)) for playlist in playlists]


def test_run_succeeds_and_records_its_figures(run, history):
    _, users = history
    run.refresh_from_db()
    assert run.status == RecommendationRun.Status.SUCCEEDED, run.error
    assert run.listeners == len(users)
    assert run.tracks == Track.objects.count()
    assert run.playlists >= len(users)
    assert {"load", "fit", "neighbours", "generate"} <= set(run.stage_timings)
    assert "ndcg@10" in run.metrics and "popularity_ndcg@10" in run.metrics
    assert run.model_name == run.selection["chosen"]["name"]
    assert run.selection["status"] == "selected" and run.selection["trials"]
    assert run.finished_at >= run.started_at


def test_discover_has_30_tracks_never_played_at_most_two_per_artist(run, history):
    _, users = history
    for user in users:
        discover = Playlist.objects.get(owner=user, kind=Playlist.Kind.DISCOVER)
        ids = generated_track_ids(discover)
        tracks = list(Track.objects.filter(pk__in=ids))
        assert len(ids) == len(tracks) == generation.DISCOVER_LENGTH
        assert not {t.pk for t in tracks} & played_track_ids(user)
        per_artist = {}
        for track in tracks:
            per_artist[track.artist_id] = per_artist.get(track.artist_id, 0) + 1
        assert max(per_artist.values()) <= 2
        entries = list(listening_selectors.playlist_items(playlist=discover))
        assert [(entry.position, entry.track.pk) for entry in entries] == list(enumerate(ids))


def test_discover_spans_the_listeners_genres(run, history):
    by_genre, users = history
    two_genre_listener = users[0]  # fans 0, 3, 6... follow two genres
    discover = Playlist.objects.get(owner=two_genre_listener, kind=Playlist.Kind.DISCOVER)
    genres = Genre.objects.filter(tracks__in=generated_track_ids(discover)).values_list("name", flat=True)
    assert len(set(genres)) >= 2


def test_daily_mixes_are_titled_by_genre_and_artist_and_at_most_six(run, history):
    _, users = history
    for user in users:
        mixes = list(Playlist.objects.filter(owner=user, kind=Playlist.Kind.DAILY_MIX).order_by("id"))
        assert 1 <= len(mixes) <= generation.MAX_MIXES
        played = played_track_ids(user)
        for number, mix in enumerate(mixes, start=1):
            assert re.fullmatch(rf"Daily Mix {number}: .+ and more", mix.name), mix.name
            genre_names = set(Genre.objects.values_list("name", flat=True))
            assert any(name in mix.name for name in genre_names), mix.name
            tracks = generated_track_ids(mix)
            assert len(tracks) >= generation.MIX_MIN_FAVOURITES
            assert len(set(tracks)) == len(tracks)
            assert set(tracks) & played, "a mix brings favourites"
        all_mixed = set(track_ids_of(user, Playlist.Kind.DAILY_MIX))
        assert all_mixed - played, "mixes bring new tracks too"


def test_two_genre_listener_gets_a_mix_per_taste(run, history):
    _, users = history
    mixes = Playlist.objects.filter(owner=users[0], kind=Playlist.Kind.DAILY_MIX)
    assert mixes.count() >= 2


def test_recommendations_are_unplayed_ranked_and_explained(run, history):
    _, users = history
    user = users[1]
    recommendations = selectors.recommendation_entries(user=user)
    assert recommendations
    assert [r.rank for r in recommendations] == list(range(1, len(recommendations) + 1))
    assert not {r.track_id for r in recommendations} & played_track_ids(user)
    assert all(r.reason for r in recommendations)
    scores = [r.score for r in recommendations]
    assert scores == sorted(scores, reverse=True)
    seeded = [r for r in recommendations if r.seed_track_id]
    assert seeded, "some recommendations are explained by a played track"
    for r in seeded[:10]:
        assert r.seed_track_id in played_track_ids(user)
        seed = Track.objects.select_related("artist").get(pk=r.seed_track_id)
        assert r.reason == f"Because you listened to {seed.title} by {seed.artist.name}"
    assert RecommendationList.objects.get(user=user).run_id == run.pk


def test_every_generated_entry_says_why_it_is_there(run, history):
    _, users = history
    user = users[1]
    reasons = {r.track_id: r.reason for r in selectors.recommendation_entries(user=user)}
    played = played_track_ids(user)
    discover = Playlist.objects.get(owner=user, kind=Playlist.Kind.DISCOVER)
    for track_id, note in generated_entries(discover):
        assert note == reasons.get(track_id, generation.NEW_TRACK_NOTE)
    mixes = Playlist.objects.filter(owner=user, kind=Playlist.Kind.DAILY_MIX)
    notes = dict(entry for mix in mixes for entry in generated_entries(mix))
    assert notes and all(notes.values())
    for track_id, note in notes.items():
        if track_id in played:
            assert note == generation.FAVOURITE_NOTE
        else:
            assert note == reasons.get(track_id, generation.NEW_TRACK_NOTE)
    response_text = [note for note in notes.values() if note.startswith("Because you listened to")]
    assert response_text, "new tracks in a mix are explained by what the listener played"


def test_similar_tracks_and_artists_are_written(run, history):
    track = Play.objects.filter(track__genres__name="Jazz").order_by("id").first().track
    similar = packed.neighbours(SimilarTrackList.objects.get(track=track).items)
    assert similar and len(similar) <= training.TRACK_NEIGHBOURS
    assert [score for _, score in similar] == sorted((score for _, score in similar), reverse=True)
    assert all(pk != track.pk for pk, _ in similar)
    artist_links = packed.neighbours(SimilarArtistList.objects.get(artist=track.artist).items)
    assert artist_links
    assert track.artist_id not in {pk for pk, _ in artist_links}


def test_disliked_tracks_are_never_generated(history):
    by_genre, users = history
    user = users[2]
    first = workflow.run_sync()
    assert first.status == RecommendationRun.Status.SUCCEEDED
    top = selectors.recommendation_entries(user=user)[:3]
    disliked = list(Track.objects.filter(pk__in=[r.track_id for r in top]))
    TrackDislike.objects.bulk_create([TrackDislike(user=user, track=t) for t in disliked])
    workflow.run_sync()
    generated = set(track_ids_of(user))
    generated |= {r.track_id for r in selectors.recommendation_entries(user=user)}
    assert not generated & {t.pk for t in disliked}


def test_rerun_is_idempotent_and_keeps_playlist_links(history, settings):
    _, users = history
    # The same data the same choice: a budget that only scores the search's starting points, so how much
    # of the search a night reaches (the budget follows the last run's time) can't change the model.
    settings.STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS = 0.01
    workflow.run_sync()
    before = {
        user.pk: list(Playlist.objects.filter(owner=user).order_by("id").values_list("uid", "name"))
        for user in users
    }
    def counts_now():
        return Playlist.objects.count(), PlaylistTrack.objects.count(), RecommendationList.objects.count()

    counts = counts_now()
    tracks_before = stored_entries()
    second = workflow.run_sync()
    assert second.status == RecommendationRun.Status.SUCCEEDED
    after = {
        user.pk: list(Playlist.objects.filter(owner=user).order_by("id").values_list("uid", "name"))
        for user in users
    }
    assert after == before
    assert counts_now() == counts
    assert stored_entries() == tracks_before


def test_plays_since_training_are_not_recommended(history):
    by_genre, users = history
    user = users[4]
    workflow.run_sync()
    trained = training.latest_trained()
    discover_tracks = track_ids_of(user, Playlist.Kind.DISCOVER)
    from django.utils import timezone

    Play.objects.create(
        user=user,
        track_id=discover_tracks[0],
        play_id="00000000-0000-0000-0000-000000000001",
        started_at=timezone.now(),
        ms_played=180_000,
        skipped=False,
    )
    generation.generate_chunk(trained, [user.pk])
    generated = set(track_ids_of(user, Playlist.Kind.DISCOVER))
    assert discover_tracks[0] not in generated
    assert discover_tracks[0] not in {r.track_id for r in selectors.recommendation_entries(user=user)}


def test_a_failing_chunk_leaves_the_old_playlists(history, monkeypatch):
    _, users = history
    workflow.run_sync()
    user_ids = [u.pk for u in users[:5]]
    before = stored_entries(owner_id__in=user_ids)
    assert before and all(entries for _, entries in before)
    playlists_before = list(
        Playlist.objects.filter(owner_id__in=user_ids).order_by("id").values_list("id", "name")
    )
    recommendations_before = list(
        RecommendationList.objects.filter(user_id__in=user_ids).order_by("user").values_list("user", "items")
    )
    real_write = packed.insert_lists

    def write_then_fail(table, columns, rows):
        real_write(table, columns, rows)
        if table == RecommendationList._meta.db_table:  # the last write of the swap
            raise RuntimeError("disk full")

    monkeypatch.setattr(packed, "insert_lists", write_then_fail)
    trained = training.latest_trained()
    with pytest.raises(RuntimeError, match="disk full"):
        generation.generate_chunk(trained, user_ids)
    assert stored_entries(owner_id__in=user_ids) == before
    assert list(Playlist.objects.filter(owner_id__in=user_ids).order_by("id").values_list("id", "name")) == (
        playlists_before
    )
    after = RecommendationList.objects.filter(user_id__in=user_ids).order_by("user").values_list(
        "user", "items"
    )
    assert [(u, bytes(b)) for u, b in after] == [(u, bytes(b)) for u, b in recommendations_before]


def test_a_failing_chunk_fails_the_run_but_not_the_others(history, monkeypatch):
    _, users = history
    workflow.run_sync()
    victim = users[0]
    old_tracks = stored_entries(owner=victim)
    real_generate = generation.generate_chunk

    def failing_for_victim(trained, user_ids, *, run_id=None):
        if victim.pk in user_ids:
            raise RuntimeError("worker lost its database connection")
        return real_generate(trained, user_ids, run_id=run_id)

    monkeypatch.setattr(generation, "generate_chunk", failing_for_victim)
    run = workflow.run_sync(chunk_size=5)
    assert run.status == RecommendationRun.Status.FAILED
    assert "worker lost its database connection" in run.error
    assert stored_entries(owner=victim) == old_tracks
    assert run.listeners == len(users) - 5
    other = users[-1]
    assert RecommendationList.objects.filter(user=other, run=run).exists()


def test_chunk_query_count_does_not_grow_with_listeners(history, django_assert_max_num_queries):
    _, users = history
    workflow.run_sync()
    trained = training.latest_trained()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        generation.generate_chunk(trained, [u.pk for u in users[:2]])
    with django_assert_max_num_queries(len(small.captured_queries)):
        generation.generate_chunk(trained, [u.pk for u in users])


def test_cold_start_listener_gets_mixes_from_taste_picks(history, django_user_model):
    by_genre, _ = history
    workflow.run_sync()
    newcomer = django_user_model.objects.create_user(username="newcomer", password="x")
    pick = TastePick.objects.create(user=newcomer)
    pick.genres.set(Genre.objects.filter(name__in=["Metal", "Folk"]))
    metal_artist = by_genre["Metal"][0].artist
    pick.artists.set([metal_artist])
    result = generation.generate_for_user(newcomer)
    assert result.listeners == 1
    discover = Playlist.objects.get(owner=newcomer, kind=Playlist.Kind.DISCOVER)
    assert len(generated_track_ids(discover)) == generation.DISCOVER_LENGTH
    mixes = list(Playlist.objects.filter(owner=newcomer, kind=Playlist.Kind.DAILY_MIX).order_by("id"))
    assert 2 <= len(mixes) <= generation.MAX_MIXES
    assert any("Metal" in mix.name for mix in mixes)
    genres = set(Genre.objects.filter(tracks__in=track_ids_of(newcomer)).values_list("name", flat=True))
    assert {"Metal", "Folk"} <= genres
    reasons = {r.reason for r in selectors.recommendation_entries(user=newcomer)}
    assert f"Because you picked {metal_artist.name}" in reasons
    assert any(reason.startswith("Because you like ") for reason in reasons)


def test_cold_start_works_before_any_nightly_run(history, django_user_model):
    newcomer = django_user_model.objects.create_user(username="newcomer", password="x")
    pick = TastePick.objects.create(user=newcomer)
    pick.genres.set(Genre.objects.filter(name="Jazz"))
    assert not RecommendationRun.objects.exists()
    generation.generate_for_user(newcomer)
    mixes = Playlist.objects.filter(owner=newcomer, kind=Playlist.Kind.DAILY_MIX)
    assert mixes.exists()
    assert all("Jazz" in name for name in mixes.values_list("name", flat=True))


def test_listener_with_new_history_gets_lists_without_a_nightly_run(history, django_user_model):
    by_genre, _ = history
    workflow.run_sync()
    newcomer = django_user_model.objects.create_user(username="newcomer", password="x")
    from django.utils import timezone

    Play.objects.bulk_create(
        Play(
            user=newcomer,
            track=track,
            play_id=f"00000000-0000-0000-0000-{n:012d}",
            started_at=timezone.now(),
            ms_played=180_000,
            skipped=False,
        )
        for n, track in enumerate(by_genre["Folk"][:12])
    )
    generation.generate_for_user(newcomer)
    played = {t.pk for t in by_genre["Folk"][:12]}
    discover = set(track_ids_of(newcomer, Playlist.Kind.DISCOVER))
    assert len(discover) == generation.DISCOVER_LENGTH
    assert not discover & played
    assert Playlist.objects.filter(owner=newcomer, kind=Playlist.Kind.DAILY_MIX).exists()


def test_listener_with_nothing_keeps_nothing_and_gets_nothing(history, django_user_model):
    workflow.run_sync()
    nobody = django_user_model.objects.create_user(username="nobody", password="x")
    result = generation.generate_for_user(nobody)
    assert result.listeners == 0
    assert not Playlist.objects.filter(owner=nobody).exists()


def test_a_chunk_packs_the_entries_on_the_playlists_and_writes_no_playlist_rows(history):
    _, users = history
    workflow.run_sync()
    trained = training.latest_trained()
    user_ids = [u.pk for u in users]
    discover = Playlist.objects.get(owner=users[0], kind=Playlist.Kind.DISCOVER)
    generation.generate_chunk(trained, user_ids)
    assert not PlaylistTrack.objects.exists()
    assert Playlist.objects.get(pk=discover.pk).uid == discover.uid  # the same row, rewritten
    for playlist in Playlist.objects.filter(owner_id__in=user_ids):
        entries = generated_entries(playlist)
        assert entries and all(note for _, note in entries)
        assert len({track_id for track_id, _ in entries}) == len(entries)
    # A listener's own playlist keeps its rows through the night.
    own = Playlist.objects.create(owner=users[0], name="Mine")
    own.items.create(track_id=track_ids_of(users[0])[0], position=0)
    generation.generate_chunk(trained, user_ids)
    assert list(PlaylistTrack.objects.values_list("playlist_id", flat=True)) == [own.pk]


def test_the_nightly_encoder_packs_as_listening_decodes():
    import numpy as np

    shared = ["Because you listened to A\nB", generation.FAVOURITE_NOTE, "back \\ slash", ""]
    wanted = [
        [(11, shared[0]), (12, shared[1]), (13, shared[0]), (14, shared[2])],
        [(21, shared[1])],
        [(31, shared[3]), (32, shared[2]), (33, shared[3]), (34, shared[0]), (35, shared[1])],
    ]
    contents = [
        (
            Playlist(name=f"Mix {n}"),
            np.array([track for track, _ in entries], np.int64),
            np.array([note for _, note in entries], dtype=object),
        )
        for n, entries in enumerate(wanted)
    ]
    generation._entries_pack(contents)
    for (playlist, _, _), entries in zip(contents, wanted, strict=True):
        assert listening_packed.unpack_entries(playlist.entries, playlist.entry_notes) == entries
        # Each playlist's own distinct notes only, one line each.
        assert len(playlist.entry_notes.split("\n")) == len({note for _, note in entries})
