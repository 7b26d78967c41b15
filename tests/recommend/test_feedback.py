"""Thumbs-down: it removes the track from recommendations and generated playlists at once; undo."""

import pytest
from django.core.cache import cache

from listening.models import Playlist, PlaylistTrack
from recommend import feedback, selectors
from recommend.models import TrackDislike
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
    assert not PlaylistTrack.objects.filter(playlist__owner=user, track=track).exists()
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
    assert PlaylistTrack.objects.filter(playlist__in=theirs["playlists"]).count() == 4


def test_a_second_thumbs_down_changes_nothing(user):
    data = reco_data.build(user, recommendations=3, mixes=1)
    feedback.track_dislike(user=user, track=data["tracks"][0])
    _dislike, created = feedback.track_dislike(user=user, track=data["tracks"][0])
    assert not created and TrackDislike.objects.filter(user=user).count() == 1


def test_undo_puts_the_track_back_where_it_was(user):
    data = reco_data.build(user, recommendations=5, mixes=2)
    track = data["tracks"][1]
    before = list(PlaylistTrack.objects.filter(track=track).values_list("playlist_id", "position"))
    rank = next(t.recommendation_rank for t in selectors.recommended_tracks(user=user) if t == track)
    feedback.track_dislike(user=user, track=track)
    assert feedback.track_dislike_undo(user=user, track=track)
    assert not TrackDislike.objects.filter(user=user, track=track).exists()
    restored = next(t for t in selectors.recommended_tracks(user=user) if t == track)
    assert restored.recommendation_rank == rank and restored.reason.startswith("Because you listened to")
    after = PlaylistTrack.objects.filter(track=track).values_list("playlist_id", "position")
    assert sorted(after) == sorted(before)
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
