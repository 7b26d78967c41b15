"""Thumbs-down: it removes the track from recommendations and generated playlists at once; undo."""

import pytest
from django.core.cache import cache

from listening import selectors as listening_selectors
from listening.models import Playlist, PlaylistTrack
from recommend import feedback, selectors
from recommend.models import TrackDislike
from tests.listening.factories import generated_entries, generated_track_ids, pack_tracks
from tests.recommend import reco_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_a_thumbs_down_removes_the_track_everywhere_at_once(user):
    data = reco_data.build(user, recommendations=6, mixes=3)
    track = data["tracks"][2]
    dislike, created = feedback.track_dislike(user=user, track=track)
    assert created and TrackDislike.objects.filter(user=user, track=track).exists()
    for playlist in data["playlists"]:
        assert generated_track_ids(playlist) == [t.pk for t in data["tracks"] if t != track]
    left = selectors.recommended_tracks(user=user)
    assert track not in left and len(left) == 5
    assert track.pk not in {t.pk for t in selectors.because_you_listened(user=user, min_tracks=1)[0].tracks}


def test_a_thumbs_down_leaves_other_listeners_and_user_playlists_alone(user, other_user):
    data = reco_data.build(user, recommendations=4, mixes=1)
    theirs = reco_data.build(other_user, recommendations=4, mixes=1)
    track = data["tracks"][0]
    own = Playlist.objects.create(owner=user, name="Mine")
    PlaylistTrack.objects.create(playlist=own, track=track, position=0)
    reco_data.save_recommendations(other_user, [(track, 0.1, "Popular in Rock", None)])
    feedback.track_dislike(user=user, track=track)
    assert PlaylistTrack.objects.filter(playlist=own, track=track).exists()
    assert selectors.recommended_tracks(user=other_user) == [track]
    assert [len(generated_track_ids(playlist)) for playlist in theirs["playlists"]] == [4]


def test_a_second_thumbs_down_changes_nothing(user):
    data = reco_data.build(user, recommendations=3, mixes=1)
    feedback.track_dislike(user=user, track=data["tracks"][0])
    _dislike, created = feedback.track_dislike(user=user, track=data["tracks"][0])
    assert not created and TrackDislike.objects.filter(user=user).count() == 1


def test_undo_puts_the_track_back_where_it_was(user):
    data = reco_data.build(user, recommendations=5, mixes=2)
    track = data["tracks"][1]
    before = [generated_entries(playlist) for playlist in data["playlists"]]
    rank = next(t.recommendation_rank for t in selectors.recommended_tracks(user=user) if t == track)
    feedback.track_dislike(user=user, track=track)
    assert feedback.track_dislike_undo(user=user, track=track)
    assert not TrackDislike.objects.filter(user=user, track=track).exists()
    restored = next(t for t in selectors.recommended_tracks(user=user) if t == track)
    assert restored.recommendation_rank == rank and restored.reason.startswith("Because you listened to")
    assert [generated_entries(playlist) for playlist in data["playlists"]] == before
    assert [t.pk for t in selectors.recommended_tracks(user=user)] == [t.pk for t in data["tracks"]]


def test_undo_after_a_rebuild_keeps_the_new_list(user):
    data = reco_data.build(user, recommendations=3, mixes=1)
    track = data["tracks"][0]
    feedback.track_dislike(user=user, track=track)
    # The rebuild (which read the thumbs-down) wrote a list without the track.
    reco_data.save_recommendations(user, [(data["tracks"][1], 0.5, "Popular in Rock", None)])
    assert feedback.track_dislike_undo(user=user, track=track)
    assert selectors.recommended_tracks(user=user) == [data["tracks"][1]]


def test_undo_without_a_thumbs_down_says_so(user):
    data = reco_data.build(user, recommendations=1, mixes=1)
    assert not feedback.track_dislike_undo(user=user, track=data["tracks"][0])


def test_a_thumbs_down_edits_the_packed_lists_keeping_the_others_notes_and_the_pages(
    user, django_assert_max_num_queries
):
    data = reco_data.build(user, recommendations=5, mixes=2)
    track = data["tracks"][2]
    discover = data["playlists"][0]
    notes = ["Because you listened to\nA \\ B", "", "Why not", "Odd ✓ \x00 text", "Last"]
    Playlist.objects.filter(pk=discover.pk).update(**pack_tracks(data["tracks"], notes))
    # 5 queries, whatever the number of playlists: the dislike (2), the listener's lock, the playlists
    # locked and one UPDATE of those that held the track; the rest are the services' savepoints.
    with django_assert_max_num_queries(11):
        feedback.track_dislike(user=user, track=track)
    kept = [(t.pk, note) for t, note in zip(data["tracks"], notes, strict=True) if t != track]
    assert generated_entries(discover) == kept
    page = list(listening_selectors.playlist_items(playlist=Playlist.objects.get(pk=discover.pk)))
    assert [(entry.track.pk, entry.note) for entry in page] == kept
    assert [entry.position for entry in page] == [0, 1, 2, 3]
    assert feedback.track_dislike_undo(user=user, track=track)
    assert generated_entries(discover) == list(zip([t.pk for t in data["tracks"]], notes, strict=True))


def test_undo_skips_a_playlist_that_went_away(user):
    data = reco_data.build(user, recommendations=3, mixes=2)
    track = data["tracks"][0]
    feedback.track_dislike(user=user, track=track)
    data["playlists"][1].delete()
    assert feedback.track_dislike_undo(user=user, track=track)
    assert generated_track_ids(data["playlists"][0]) == [t.pk for t in data["tracks"]]
    assert not PlaylistTrack.objects.exists()
