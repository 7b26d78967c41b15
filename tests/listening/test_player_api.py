"""The player's context API: the tracks a play button queues, and who may load which."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from listening import selectors, services
from listening.models import Playlist, PlaylistTrack
from tests.catalog.factories import make_album, make_artist, make_track
from tests.listening.factories import make_generated_playlist

pytestmark = pytest.mark.django_db

URL = "/api/v1/player/context/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(user):
    return client_for(user)


@pytest.fixture
def album():
    album = make_album("Kind of Blue", artist=make_artist("Miles Davis"), cover="covers/kob.jpg")
    make_track("Blue in Green", album=album, track_number=3)
    make_track("So What", album=album, track_number=1)
    make_track("Freddie Freeloader", album=album, track_number=2)
    make_track("Flamenco Sketches", album=album, track_number=1, disc_number=2)
    make_track("Missing File", album=album, track_number=4, is_available=False)
    return album


def titles(response):
    return [track["title"] for track in response.json()["tracks"]]


def test_album_context_is_its_playable_tracklist_in_order(api, album):
    response = api.get(URL, {"type": "album", "id": album.pk})
    assert response.status_code == 200
    assert titles(response) == ["So What", "Freddie Freeloader", "Blue in Green", "Flamenco Sketches"]
    first = response.json()["tracks"][0]
    assert first["artist"] == "Miles Davis" and first["album"] == "Kind of Blue"
    assert first["stream_url"] == f"/stream/{first['id']}/"
    assert first["cover_url"].endswith("covers/kob.jpg")
    assert (response.json()["context_type"], response.json()["context_id"]) == ("album", str(album.pk))


def test_artist_context_is_their_top_tracks(api, album):
    other = make_album("Sketches", artist=album.artist)
    make_track("Solea", album=other, track_number=1)
    response = api.get(URL, {"type": "artist", "id": album.artist_id})
    assert response.status_code == 200
    assert set(titles(response)) == {
        "So What",
        "Freddie Freeloader",
        "Blue in Green",
        "Flamenco Sketches",
        "Solea",
    }


def test_likes_context_is_the_listeners_liked_songs_newest_first(user, other_user, api, album):
    so_what, freddie = album.tracks.get(title="So What"), album.tracks.get(title="Freddie Freeloader")
    services.track_like_set(user=user, track=so_what, liked=True)
    services.track_like_set(user=user, track=freddie, liked=True)
    services.track_like_set(user=other_user, track=album.tracks.get(title="Blue in Green"), liked=True)
    assert titles(api.get(URL, {"type": "likes"})) == ["Freddie Freeloader", "So What"]


def test_playlist_context_is_its_entries_with_duplicates_in_order(user, api, album):
    so_what, freddie = album.tracks.get(title="So What"), album.tracks.get(title="Freddie Freeloader")
    missing = album.tracks.get(title="Missing File")
    playlist = services.playlist_create(owner=user, name="Mix", tracks=[freddie, so_what, missing, freddie])
    response = api.get(URL, {"type": "playlist", "id": str(playlist.uid)})
    assert titles(response) == ["Freddie Freeloader", "So What", "Freddie Freeloader"]


def test_a_playlist_context_of_10000_entries_is_its_first_entries_up_to_the_queue_limit(user, api, album):
    so_what = album.tracks.get(title="So What")
    playlist = services.playlist_create(owner=user, name="Huge", tracks=[])
    PlaylistTrack.objects.bulk_create(
        PlaylistTrack(playlist=playlist, track=so_what, position=n) for n in range(10_000)
    )
    response = api.get(URL, {"type": "playlist", "id": str(playlist.uid)})
    assert len(response.json()["tracks"]) == selectors.PLAYER_QUEUE_MAX


def test_a_private_playlist_context_is_404_for_other_users(user, other_user, staff_user, album):
    playlist = services.playlist_create(owner=user, name="Secret", tracks=list(album.tracks.all()))
    assert client_for(other_user).get(URL, {"type": "playlist", "id": str(playlist.uid)}).status_code == 404
    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    assert client_for(other_user).get(URL, {"type": "playlist", "id": str(playlist.uid)}).status_code == 200
    assert client_for(staff_user).get(URL, {"type": "playlist", "id": str(playlist.uid)}).status_code == 200


def test_a_generated_playlist_is_a_generated_context(user, api, album):
    playlist = make_generated_playlist(
        user, [album.tracks.get(title="So What")], kind=Playlist.Kind.DAILY_MIX, name="Daily Mix 1"
    )
    response = api.get(URL, {"type": "generated", "id": str(playlist.uid)})
    assert titles(response) == ["So What"]


def test_ids_context_keeps_the_given_order_and_drops_unknown_or_unplayable_tracks(api, album):
    ids = {track.title: track.pk for track in album.tracks.all()}
    order = [ids["Blue in Green"], 999_999, ids["Missing File"], ids["So What"], ids["Blue in Green"]]
    response = api.get(URL, {"ids": ",".join(map(str, order))})
    assert titles(response) == ["Blue in Green", "So What", "Blue in Green"]
    search = api.get(URL, {"type": "search", "id": "blue", "ids": str(ids["So What"])})
    assert titles(search) == ["So What"]
    assert search.json()["context_type"] == "search"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "galaxy"}, "type"),
        ({"ids": "1,two"}, "ids"),
        ({"ids": ",".join(str(n) for n in range(1, 502))}, "ids"),
    ],
)
def test_bad_context_requests_are_400_naming_the_field(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "params",
    [
        {"type": "album", "id": "999999"},
        {"type": "album", "id": "abc"},
        {"type": "artist", "id": "999999"},
        {"type": "playlist", "id": "not-a-uuid"},
        {"type": "playlist", "id": "6f1c1b8e-2f4a-4c1e-9a59-0c3f2f1c0a11"},
    ],
)
def test_unknown_contexts_are_404(api, params):
    assert api.get(URL, params).status_code == 404


def test_anonymous_clients_get_no_context(client, album):
    assert client.get(URL, {"type": "album", "id": album.pk}).status_code in (401, 403)


def count_queries(api, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(URL, params).status_code == 200
    return len(queries)


def test_contexts_run_a_constant_number_of_queries(user, api, django_assert_max_num_queries):
    artist = make_artist("Grower")
    album = make_album("Growing", artist=artist)
    playlist = services.playlist_create(owner=user, name="Growing")

    def grow(count):
        for _ in range(count):
            track = make_track(album=album, artist=make_artist())
            track.artist = artist
            track.save()
            services.track_like_set(user=user, track=track, liked=True)
            services.playlist_add_tracks(playlist=playlist, actor=user, tracks=[track])

    contexts = [
        {"type": "album", "id": album.pk},
        {"type": "artist", "id": artist.pk},
        {"type": "playlist", "id": str(playlist.uid)},
        {"type": "likes"},
    ]
    grow(2)
    small = [count_queries(api, params) for params in contexts]
    grow(20)
    for params, limit in zip(contexts, small):
        with django_assert_max_num_queries(limit):
            response = api.get(URL, params)
        assert len(response.json()["tracks"]) == 22
    ids = ",".join(str(pk) for pk in album.tracks.values_list("pk", flat=True))
    with django_assert_max_num_queries(4):  # session and user are not involved: forced authentication
        assert len(api.get(URL, {"ids": ids}).json()["tracks"]) == 22
