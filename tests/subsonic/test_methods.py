"""The methods' behaviour beyond the client's view: constant queries, privacy, generated mixes read-only,
scrobbles under the web player's listen rule, the queue shared with the web player, Range, covers, scans."""

import json

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Album, LibraryImport
from listening import services as listening_services
from listening.models import Listen, Play, Playlist
from subsonic import services
from tests.catalog.factories import make_album, make_audio_file, make_track
from tests.listening.factories import generated_track_ids, make_generated_playlist

from .conftest import Caller, token_params

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_albums(library, tmp_path, audio_bytes):
    """Twenty more albums of two songs each, so that a query per row would show."""
    artist = library["artists"][1]
    for number in range(20):
        album = make_album(f"Extra {number:02d}", artist=artist, release_year=1970 + number)
        for track_number in (1, 2):
            path = tmp_path / f"extra-{number}-{track_number}.mp3"
            path.write_bytes(audio_bytes)
            audio = make_audio_file(path=str(path), size=len(audio_bytes))
            make_track(
                f"Extra song {number}.{track_number}",
                album=album,
                track_number=track_number,
                audio_file=audio,
                genres=[library["songs"][3].genres.first()],
            )


# Each count includes the log-in protection's lock check (accounts/lockout.py) and the user's query.
@pytest.mark.parametrize(
    ("method", "params", "queries"),
    [
        ("getAlbumList2", {"type": "newest", "size": 500}, 4),
        ("getAlbumList2", {"type": "frequent", "size": 500}, 5),
        ("getAlbumList2", {"type": "starred"}, 4),
        ("getArtists", {}, 4),
        ("getRandomSongs", {"size": 500}, 5),
        ("getSongsByGenre", {"genre": "Rock", "count": 500}, 5),
        ("search3", {"query": ""}, 10),
        ("search3", {"query": "extra"}, 13),
        ("getStarred2", {}, 11),
    ],
)
def test_lists_run_a_constant_number_of_queries(
    api, many_albums, django_assert_max_num_queries, method, params, queries
):
    with django_assert_max_num_queries(queries):
        body = api.ok(method, **params)
    assert body


def test_album_and_queue_run_a_constant_number_of_queries(
    api, many_albums, library, django_assert_max_num_queries
):
    ids = [song.pk for song in library["songs"]] * 20
    api.ok("savePlayQueue", id=ids)
    with django_assert_max_num_queries(7):  # the lock check (accounts/lockout.py) included
        assert len(api.ok("getPlayQueue")["playQueue"]["entry"]) == 100
    with django_assert_max_num_queries(7):
        assert len(api.ok("getAlbum", id=library["albums"][0].pk)["album"]["song"]) == 2


def test_another_listeners_private_playlist_is_not_found(api, library, other_user):
    private = listening_services.playlist_create(owner=other_user, name="Secret", tracks=library["songs"][:1])
    public = listening_services.playlist_create(owner=other_user, name="Shared", is_public=True)
    assert api.error("getPlaylist", id=str(private.uid)) == {"code": 70, "message": "Playlist not found."}
    assert api.error("deletePlaylist", id=str(private.uid))["code"] == 70
    assert api.ok("getPlaylist", id=str(public.uid))["playlist"]["readonly"] is True
    assert api.error("updatePlaylist", playlistId=str(public.uid), name="Mine now")["code"] == 50
    assert api.error("getPlaylist", id="not-a-uuid")["code"] == 70
    assert [row["name"] for row in api.ok("getPlaylists")["playlists"]["playlist"]] == []


def test_collaborative_playlists_are_listed_and_editable(api, library, other_user, subsonic_user):
    shared = listening_services.playlist_create(owner=other_user, name="Band practice")
    listening_services.playlist_collaborator_add(playlist=shared, actor=other_user, user=subsonic_user)
    (entry,) = api.ok("getPlaylists")["playlists"]["playlist"]
    assert (entry["name"], entry["owner"], entry["readonly"]) == ("Band practice", "someone", False)
    api.ok("updatePlaylist", playlistId=str(shared.uid), songIdToAdd=library["songs"][0].pk)
    assert shared.items.count() == 1
    assert api.error("deletePlaylist", id=str(shared.uid))["code"] == 50  # only its owner deletes it


def test_generated_mixes_are_listed_read_only(api, library, subsonic_user):
    mix = make_generated_playlist(subsonic_user, [library["songs"][0]], name="Discover Weekly")
    (entry,) = api.ok("getPlaylists")["playlists"]["playlist"]
    assert (entry["name"], entry["readonly"], entry["songCount"]) == ("Discover Weekly", True, 1)
    assert api.error("updatePlaylist", playlistId=str(mix.uid), name="Mine")["code"] == 50
    assert api.error("createPlaylist", playlistId=str(mix.uid), songId=library["songs"][1].pk)["code"] == 50
    assert api.error("deletePlaylist", id=str(mix.uid))["code"] == 50
    assert api.error("updatePlaylist", playlistId=str(mix.uid), songIndexToRemove=0)["code"] == 50
    assert generated_track_ids(mix) == [library["songs"][0].pk]
    (song,) = api.ok("getPlaylist", id=str(mix.uid))["playlist"]["entry"]
    assert song["id"] == str(library["songs"][0].pk)


def test_nobody_reads_another_listeners_account_or_playlists(api, other_user):
    assert api.error("getUser", username="someone")["code"] == 50
    assert api.error("getPlaylists", username="someone")["code"] == 50


def test_another_listeners_queue_stars_and_now_playing_stay_private(api, client, library, other_user):
    song = library["songs"][0]
    listening_services.track_like_set(user=other_user, track=song, liked=True)
    listening_services.player_state_save(user=other_user, queue=[song.pk], current_index=0, position_ms=5)
    listening_services.now_playing_track_set(user=other_user, track=song)
    assert api.ok("getStarred2")["starred2"] == {"artist": [], "album": [], "song": []}
    assert "playQueue" not in api.ok("getPlayQueue")
    assert api.ok("getNowPlaying")["nowPlaying"] == {"entry": []}
    assert "starred" not in api.ok("getSong", id=song.pk)["song"]


def test_scrobble_follows_the_web_players_listen_rule(api, library, tmp_path, audio_bytes):
    song = library["songs"][0]
    api.ok("scrobble", id=song.pk, time=1_765_000_000_000)
    listen = Listen.objects.get()
    assert (listen.track_id, listen.play.track_id, listen.play.ms_played) == (song.pk, song.pk, 300_000)
    jingle = make_track("Jingle", album=library["albums"][0], duration_ms=20_000)
    api.ok("scrobble", id=jingle.pk)
    assert Play.objects.filter(track=jingle, skipped=True).count() == 1  # a play, not a listen (<= 30 s)
    assert Listen.objects.count() == 1


def test_scrobble_of_an_unknown_song_writes_nothing(api, library):
    error = api.error("scrobble", id=[library["songs"][0].pk, 999_999])
    assert error == {"code": 70, "message": "Song not found."}
    assert api.error("scrobble", id=library["songs"][0].pk, time=[1, 2])["code"] == 10
    assert not Play.objects.exists()


def test_queue_round_trips_with_the_web_players_api(api, user_client, library):
    ids = [song.pk for song in library["songs"][:3]]
    state = {"queue": ids, "current_index": 2, "position_ms": 61_000, "shuffle": True, "volume": 0.5}
    assert user_client.put("/api/v1/player/state/", state, content_type="application/json").status_code == 200
    queue = api.ok("getPlayQueue")["playQueue"]
    assert ([int(row["id"]) for row in queue["entry"]], queue["current"], queue["position"]) == (
        ids,
        str(ids[2]),
        61_000,
    )
    api.ok("savePlayQueue", id=ids[:2], current=ids[0], position=1_500)
    web = json.loads(user_client.get("/api/v1/player/state/").content)
    assert (web["queue"], web["current_index"], web["position_ms"]) == (ids[:2], 0, 1_500)
    assert (web["shuffle"], web["volume"]) == (True, 0.5)  # what Subsonic does not know is kept
    assert api.error("savePlayQueue", id=ids[:2], current=ids[2])["code"] == 10


def test_stream_honours_range_and_is_never_a_play(api, library, audio_bytes):
    song = library["songs"][0]
    response = api.client.get(
        "/rest/stream", {**token_params(), "id": song.pk, "maxBitRate": 128}, HTTP_RANGE="bytes=10-19"
    )
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-19/{len(audio_bytes)}"
    assert b"".join(response.streaming_content) == audio_bytes[10:20]
    assert not Play.objects.exists() and not Listen.objects.exists()


def test_stream_parameters_are_validated(api, library):
    song = library["songs"][0]
    assert api.error("stream", id=song.pk, maxBitRate="fast")["code"] == 10
    assert api.error("stream", id=song.pk, format="wma")["code"] == 10
    assert api.error("stream", id=song.pk, timeOffset=10**15)["code"] == 10
    assert api.error("stream", id=999_999)["code"] == 70


def test_download_is_the_original_as_an_attachment(api, library, audio_bytes):
    song = library["songs"][0]
    response = api.raw("download", id=song.pk)
    assert response["Content-Disposition"] == 'attachment; filename="Miles Davis - So What.mp3"'
    assert b"".join(response.streaming_content) == audio_bytes


def test_cover_art_in_sizes(api, library):
    from io import BytesIO

    from PIL import Image

    album, artist = library["albums"][0], library["artists"][0]
    full = api.raw("getCoverArt", id=f"al-{album.pk}")
    assert Image.open(BytesIO(full.content)).size == (300, 300)
    small = api.raw("getCoverArt", id=f"ar-{artist.pk}", size=50)
    assert Image.open(BytesIO(small.content)).size == (50, 50)
    assert api.error("getCoverArt", id=f"al-{library['albums'][1].pk}")["code"] == 70  # no cover
    assert api.error("getCoverArt", id="pl-x")["code"] == 70


def test_scan_is_for_staff_and_imports_the_library_again(
    client, library, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    from catalog import tasks as catalog_tasks

    queued = []
    monkeypatch.setattr(catalog_tasks.import_library, "delay", queued.append)
    staff = get_user_model().objects.create_user(username="boss", password="boss-pass-1", is_staff=True)
    services.subsonic_password_set(user=staff, password="boss-subsonic")
    previous = LibraryImport.objects.create(
        path=str(tmp_path), status=LibraryImport.Status.DONE, files_seen=5
    )
    as_staff = Caller(client, token_params("boss", "boss-subsonic"))
    assert as_staff.ok("getScanStatus")["scanStatus"] == {"scanning": False, "count": 5}
    with django_capture_on_commit_callbacks(execute=True):
        scan = as_staff.ok("startScan")["scanStatus"]
    assert scan == {"scanning": True, "count": 0}
    new = LibraryImport.objects.exclude(pk=previous.pk).get()
    assert (new.path, new.created_by, queued) == (str(tmp_path), staff, [new.pk])


def test_a_scrobbled_song_of_the_saved_queue_plays_in_its_context(api, user_client, library, subsonic_user):
    album = library["albums"][0]
    ids = [song.pk for song in library["songs"][:2]]
    listening_services.player_state_save(
        user=subsonic_user,
        queue=ids,
        current_index=0,
        position_ms=0,
        context_type="album",
        context_id=str(album.pk),
    )
    api.ok("scrobble", id=[ids[0], library["songs"][4].pk], time=[1_765_000_000_000, 1_765_000_400_000])
    contexts = dict(Listen.objects.values_list("track_id", "context_type"))
    assert contexts == {ids[0]: "album", library["songs"][4].pk: ""}
    assert Listen.objects.get(track_id=ids[0]).context_id == str(album.pk)


def test_kept_reads_show_a_new_star_and_a_catalog_change_at_once(api, library):
    album, song = library["albums"][0], library["songs"][0]
    assert "starred" not in api.ok("getAlbum", id=album.pk)["album"]["song"][0]
    api.ok("star", id=song.pk)
    assert "starred" in api.ok("getAlbum", id=album.pk)["album"]["song"][0]
    assert len(api.ok("getAlbumList2", type="newest")["albumList2"]["album"]) == 3
    make_album("Brand new", artist=library["artists"][0])  # tells the catalog it changed
    make_track("Fresh", album=Album.objects.get(title="Brand new"), audio_file=song.audio_file)
    assert len(api.ok("getAlbumList2", type="newest")["albumList2"]["album"]) == 4


def test_create_playlist_with_an_id_replaces_its_songs(api, library, subsonic_user):
    first, second, third = (song.pk for song in library["songs"][:3])
    playlist = listening_services.playlist_create(
        owner=subsonic_user, name="Mine", tracks=[library["songs"][0], library["songs"][1]]
    )
    body = api.ok("createPlaylist", playlistId=str(playlist.uid), songId=[third, first])
    assert [entry["id"] for entry in body["playlist"]["entry"]] == [str(third), str(first)]
    api.ok("updatePlaylist", playlistId=str(playlist.uid), songIndexToRemove=[0, 1, 1])
    assert playlist.items.count() == 0
    assert api.error("updatePlaylist", playlistId=str(playlist.uid), songIndexToRemove=0)["code"] == 10
    assert second not in playlist.items.values_list("track_id", flat=True)


@pytest.mark.parametrize("size", [10, 1_000])
def test_a_generated_mix_reads_in_order_in_constant_queries(
    api, library, subsonic_user, size, django_assert_max_num_queries
):
    songs = library["songs"]
    album = make_album("Many songs", artist=library["artists"][0])
    extra = [make_track(f"Many {n}", album=album, duration_ms=1000) for n in range(size - len(songs))]
    order = (extra + songs)[::-1]
    mix = make_generated_playlist(subsonic_user, order, name="Daily Mix 1", kind=Playlist.Kind.DAILY_MIX)
    own = listening_services.playlist_create(owner=subsonic_user, name="Mine", tracks=songs[:2])
    with django_assert_max_num_queries(8):  # the lock check and the user included
        listed = {row["name"]: row for row in api.ok("getPlaylists")["playlists"]["playlist"]}
    assert listed["Daily Mix 1"]["songCount"] == size and listed["Daily Mix 1"]["readonly"] is True
    assert listed["Daily Mix 1"]["duration"] == round(sum(t.duration_ms for t in order) / 1000)
    assert listed["Mine"]["songCount"] == 2 and listed["Mine"]["readonly"] is False
    # The lock check, the user, the playlist and its collaborators, the ids, the songs, their genres, stars.
    with django_assert_max_num_queries(8):
        entries = api.ok("getPlaylist", id=str(mix.uid))["playlist"]["entry"]
    assert [entry["id"] for entry in entries] == [str(t.pk) for t in order]
    order[0].delete()  # gone from the catalog since the night: skipped
    entries = api.ok("getPlaylist", id=str(mix.uid))["playlist"]
    assert (entries["songCount"], entries["entry"][0]["id"]) == (size - 1, str(order[1].pk))
    assert own.items.count() == 2
