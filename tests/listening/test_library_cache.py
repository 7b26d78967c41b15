"""The sidebar's library is cached per listener and refreshed by every playlist change, for the owner
and the collaborators alike."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from listening import selectors, services
from tests.catalog.factories import make_album, make_track

pytestmark = pytest.mark.django_db


def names(user) -> list[str]:
    return [playlist.name for playlist in selectors.library_playlists(user=user)]


@pytest.fixture
def png_cover() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 200)).save(buffer, "PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and the callbacks it queues for the end of its transaction (as in a request)."""

    def run(service, **arguments):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**arguments)

    return run


def test_the_library_is_read_once_then_served_from_the_cache(user, django_assert_num_queries):
    services.playlist_create(owner=user, name="Road trip")
    with django_assert_num_queries(1):
        assert names(user) == ["Road trip"]
    with django_assert_num_queries(0):
        assert names(user) == ["Road trip"]


def test_creating_renaming_and_deleting_refresh_the_owners_library(user, committed):
    assert names(user) == []
    playlist = committed(services.playlist_create, owner=user, name="Road trip")
    assert names(user) == ["Road trip"]
    committed(services.playlist_update, playlist=playlist, actor=user, name="Night drive")
    assert names(user) == ["Night drive"]
    copy = committed(services.playlist_duplicate, playlist=playlist, actor=user)
    assert names(user) == [copy.name, "Night drive"]
    committed(services.playlist_delete, playlist=playlist, actor=user)
    assert names(user) == [copy.name]


def test_a_new_first_track_changes_the_cover_at_once(user, committed, png_cover):
    playlist = committed(services.playlist_create, owner=user, name="Covers")
    assert selectors.library_playlists(user=user)[0].cover_name is None
    track = make_track("Song", album=make_album("With a cover", cover=png_cover))
    committed(services.playlist_add_tracks, playlist=playlist, actor=user, tracks=[track])
    assert selectors.library_playlists(user=user)[0].cover_name == track.album.cover.name
    item = playlist.items.get()
    committed(services.playlist_remove_item, playlist=playlist, actor=user, item_id=item.pk)
    assert selectors.library_playlists(user=user)[0].cover_name is None


def test_collaborators_gain_lose_and_see_changes_to_a_shared_playlist(user, other_user, committed):
    playlist = committed(services.playlist_create, owner=user, name="Shared")
    assert names(other_user) == []
    committed(services.playlist_collaborator_add, playlist=playlist, actor=user, user=other_user)
    assert names(other_user) == ["Shared"]
    committed(services.playlist_update, playlist=playlist, actor=user, name="Shared mix")
    assert names(other_user) == ["Shared mix"]
    other = committed(services.playlist_create, owner=user, name="Newer")
    committed(services.playlist_add_tracks, playlist=playlist, actor=other_user, tracks=[make_track("Late")])
    assert names(user) == ["Shared mix", other.name]  # the last changed comes first
    committed(services.playlist_collaborator_remove, playlist=playlist, actor=other_user, user=other_user)
    assert names(other_user) == []


def test_the_sidebar_on_a_page_follows_a_rename(user, user_client, django_capture_on_commit_callbacks):
    playlist = services.playlist_create(owner=user, name="Before")
    assert "Before" in user_client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(
            reverse("listening:playlist-update", kwargs={"uid": playlist.uid}),
            {"name": "After", "description": ""},
        )
    html = user_client.get("/").content.decode()
    assert "After" in html and "Before" not in html


def test_liked_ids_are_cached_and_refreshed_by_every_like_and_unlike(user, django_assert_num_queries):
    track = make_track("Song")
    with django_assert_num_queries(1):
        assert selectors.liked_id_sets(user=user)["track"] == set()
    with django_assert_num_queries(0):
        assert selectors.liked_id_sets(user=user)["track"] == set()
    services.track_like_set(user=user, track=track, liked=True)
    services.album_like_set(user=user, album=track.album, liked=True)
    services.artist_like_set(user=user, artist=track.artist, liked=True)
    sets = selectors.liked_id_sets(user=user)
    assert (sets["track"], sets["album"], sets["artist"]) == ({track.pk}, {track.album_id}, {track.artist_id})
    services.track_like_set(user=user, track=track, liked=False)
    assert selectors.liked_id_sets(user=user)["track"] == set()
