"""Thumbs-down: it removes the track from recommendations and generated playlists at once; undo."""

import pytest
from django.core.cache import cache

from listening.models import Playlist, PlaylistTrack
from recommend import feedback, selectors
from recommend.models import Recommendation, TrackDislike
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
    assert not Recommendation.objects.filter(user=user, track=track).exists()
    assert not PlaylistTrack.objects.filter(playlist__owner=user, track=track).exists()
    assert track not in selectors.recommended_tracks(user=user)
    assert Recommendation.objects.filter(user=user).count() == 5


def test_a_thumbs_down_leaves_other_listeners_and_user_playlists_alone(user, other_user):
    data = reco_data.build(user, recommendations=4, mixes=1)
    theirs = reco_data.build(other_user, recommendations=4, mixes=1)
    track = data["tracks"][0]
    own = Playlist.objects.create(owner=user, name="Mine")
    PlaylistTrack.objects.create(playlist=own, track=track, position=0)
    Recommendation.objects.create(user=other_user, track=track, rank=99, score=0.1)
    feedback.track_dislike(user=user, track=track)
    assert PlaylistTrack.objects.filter(playlist=own, track=track).exists()
    assert Recommendation.objects.filter(user=other_user, track=track).exists()
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
    rank = Recommendation.objects.get(user=user, track=track).rank
    feedback.track_dislike(user=user, track=track)
    assert feedback.track_dislike_undo(user=user, track=track)
    assert not TrackDislike.objects.filter(user=user, track=track).exists()
    restored = Recommendation.objects.get(user=user, track=track)
    assert restored.rank == rank and restored.reason.startswith("Because you listened to")
    after = PlaylistTrack.objects.filter(track=track).values_list("playlist_id", "position")
    assert sorted(after) == sorted(before)
    assert [t.pk for t in selectors.recommended_tracks(user=user)] == [t.pk for t in data["tracks"]]


def test_undo_after_a_rebuild_does_not_clash_with_the_new_rows(user):
    data = reco_data.build(user, recommendations=3, mixes=1)
    track = data["tracks"][0]
    feedback.track_dislike(user=user, track=track)
    Recommendation.objects.create(user=user, track=data["tracks"][1], rank=99, score=0.5)
    Recommendation.objects.filter(user=user, rank=2).update(rank=1)  # the rebuild took rank 1
    assert feedback.track_dislike_undo(user=user, track=track)
    assert not Recommendation.objects.filter(user=user, track=track).exists()


def test_undo_without_a_thumbs_down_says_so(user):
    data = reco_data.build(user, recommendations=1, mixes=1)
    assert not feedback.track_dislike_undo(user=user, track=data["tracks"][0])
