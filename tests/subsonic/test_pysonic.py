"""The real py-sonic client (what many scripts and players are built on) against a live server: every
method it offers from the ones streamapp serves, over its form-encoded POSTs with f=json and token auth."""

from urllib.parse import urlsplit

import libsonic
import pytest
from django.contrib.auth import get_user_model

from listening.models import Listen, Play, PlayerState, Playlist
from subsonic import services

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sonic(live_server, subsonic_user) -> libsonic.Connection:
    address = urlsplit(live_server.url)
    return libsonic.Connection(
        baseUrl=f"{address.scheme}://{address.hostname}",
        username="listener",
        password=PASSWORD,
        port=address.port,
        serverPath="/rest",
    )


def test_system_methods(sonic):
    assert sonic.ping() is True
    assert sonic.getLicense()["license"]["valid"] is True
    assert sonic.getMusicFolders()["musicFolders"]["musicFolder"] == [{"id": 1, "name": "Music"}]
    user = sonic.getUser("listener")["user"]
    assert user["username"] == "listener" and user["streamRole"] is True


def test_browsing_methods(sonic, library):
    kind_of_blue, _sketches, abbey_road = library["albums"]
    miles = library["artists"][0]
    indexes = sonic.getIndexes()["indexes"]["index"]
    assert [index["name"] for index in indexes] == ["B", "M"]  # "The Beatles" under B
    artists = sonic.getArtists()["artists"]["index"]
    assert artists[1]["artist"][0] == {
        "id": str(miles.pk),
        "name": "Miles Davis",
        "coverArt": f"ar-{miles.pk}",
        "albumCount": 2,
        "musicBrainzId": "",
    }
    artist = sonic.getArtist(miles.pk)["artist"]
    assert [album["name"] for album in artist["album"]] == ["Sketches of Spain", "Kind of Blue"]
    album = sonic.getAlbum(kind_of_blue.pk)["album"]
    assert album["songCount"] == 2 and album["duration"] == 600 and album["year"] == 1959
    assert [song["title"] for song in album["song"]] == ["So What", "Freddie Freeloader"]
    song = sonic.getSong(album["song"][0]["id"])["song"]
    assert song["suffix"] == "mp3" and song["bitRate"] == 64 and song["albumId"] == str(kind_of_blue.pk)
    newest = sonic.getAlbumList2("newest", size=2)["albumList2"]["album"]
    assert [row["id"] for row in newest] == [str(abbey_road.pk), str(_sketches.pk)]
    by_year = sonic.getAlbumList2("byYear", fromYear=1960, toYear=1950)["albumList2"]["album"]
    assert [row["name"] for row in by_year] == ["Sketches of Spain", "Kind of Blue"]
    assert len(sonic.getRandomSongs(size=3)["randomSongs"]["song"]) == 3
    rock = sonic.getSongsByGenre("Rock")["songsByGenre"]["song"]
    assert [row["title"] for row in rock] == ["Come Together", "Something"]
    genres = sonic.getGenres()["genres"]["genre"]
    assert genres == [
        {"value": "Jazz", "songCount": 3, "albumCount": 2},
        {"value": "Rock", "songCount": 2, "albumCount": 1},
    ]
    found = sonic.search3("freddie")["searchResult3"]
    assert [row["title"] for row in found["song"]] == ["Freddie Freeloader"]
    everything = sonic.search3("", songCount=2, songOffset=1)["searchResult3"]
    assert len(everything["artist"]) == 2 and len(everything["song"]) == 2
    # No nightly neighbours yet, and no genre in common with The Beatles: nobody alike.
    assert sonic.getArtistInfo2(miles.pk)["artistInfo2"] == {"similarArtist": []}
    assert "albumInfo" in sonic.getAlbumInfo2(kind_of_blue.pk)
    similar = sonic.getSimilarSongs2(album["song"][0]["id"])["similarSongs2"]["song"]
    assert album["song"][0]["id"] not in [row["id"] for row in similar]
    top = sonic.getTopSongs("Miles Davis", count=2)["topSongs"]["song"]
    assert len(top) == 2 and {row["artist"] for row in top} == {"Miles Davis"}


def test_media_methods(sonic, library, audio_bytes):
    song = library["songs"][0]
    streamed = sonic.stream(song.pk, maxBitRate=128)
    assert streamed.read() == audio_bytes
    assert sonic.download(song.pk).read() == audio_bytes
    cover = sonic.getCoverArt(f"al-{library['albums'][0].pk}", size=64)
    assert cover.info()["Content-Type"] == "image/jpeg" and cover.read()[:2] == b"\xff\xd8"
    assert not Play.objects.exists()  # streaming is never a play


def test_scrobble_and_now_playing(sonic, library):
    song = library["songs"][0]
    sonic.scrobble(song.pk, submission=False)
    playing = sonic.getNowPlaying()["nowPlaying"]["entry"]
    assert [(row["id"], row["username"]) for row in playing] == [(str(song.pk), "listener")]
    sonic.scrobble(song.pk, submission=True, listenTime=1_733_000_000)
    sonic.scrobble(song.pk, submission=True, listenTime=1_733_000_000)  # sent again: the same listen
    listen = Listen.objects.get()
    assert (listen.track_id, listen.user.get_username(), listen.source) == (song.pk, "listener", "api")


def test_stars(sonic, library):
    song, album, artist = library["songs"][0], library["albums"][0], library["artists"][0]
    sonic.star(sids=[song.pk], albumIds=[album.pk], artistIds=[artist.pk])
    starred = sonic.getStarred2()["starred2"]
    assert [row["id"] for row in starred["song"]] == [str(song.pk)]
    assert [row["id"] for row in starred["album"]] == [str(album.pk)]
    assert [row["id"] for row in starred["artist"]] == [str(artist.pk)]
    sonic.unstar(sids=[song.pk], albumIds=[album.pk], artistIds=[artist.pk])
    assert sonic.getStarred2()["starred2"] == {"artist": [], "album": [], "song": []}


def test_playlists(sonic, library):
    first, second, third = (song.pk for song in library["songs"][:3])
    created = sonic.createPlaylist(name="Road trip", songIds=[first, second])["playlist"]
    assert created["songCount"] == 2 and created["owner"] == "listener" and created["readonly"] is False
    sonic.updatePlaylist(
        created["id"],
        name="Long road trip",
        comment="for the car",
        songIdsToAdd=[third],
        songIndexesToRemove=[0],
    )
    playlist = sonic.getPlaylist(created["id"])["playlist"]
    assert playlist["name"] == "Long road trip" and playlist["comment"] == "for the car"
    assert [row["id"] for row in playlist["entry"]] == [str(second), str(third)]
    assert [row["name"] for row in sonic.getPlaylists()["playlists"]["playlist"]] == ["Long road trip"]
    sonic.deletePlaylist(created["id"])
    assert not Playlist.objects.exists()


def test_play_queue(sonic, library):
    ids = [song.pk for song in library["songs"][:3]]
    sonic.savePlayQueue(ids, current=ids[1], position=42_000)
    queue = sonic.getPlayQueue()["playQueue"]
    assert [row["id"] for row in queue["entry"]] == [str(pk) for pk in ids]
    assert (queue["current"], queue["position"]) == (str(ids[1]), 42_000)
    state = PlayerState.objects.get()
    assert (state.queue, state.current_index, state.position_ms) == (ids, 1, 42_000)


def test_scan_methods_are_for_staff(sonic, live_server, db):
    with pytest.raises(libsonic.errors.AuthError):
        sonic.getScanStatus()
    staff = get_user_model().objects.create_user(username="boss", password="boss-pass-1", is_staff=True)
    services.subsonic_password_set(user=staff, password="boss-subsonic")
    address = urlsplit(live_server.url)
    as_staff = libsonic.Connection(
        baseUrl=f"http://{address.hostname}", username="boss", password="boss-subsonic", port=address.port
    )
    assert as_staff.getScanStatus()["scanStatus"] == {"scanning": False, "count": 0}
    with pytest.raises(libsonic.errors.SonicError):
        as_staff.startScan()  # no library folder imported yet: nothing to scan again


def test_folder_methods(sonic, library):
    miles, kind_of_blue = library["artists"][0], library["albums"][0]
    artist = sonic.getMusicDirectory(miles.pk)["directory"]
    assert [child["id"] for child in artist["child"]] == [
        f"al-{library['albums'][1].pk}",
        f"al-{kind_of_blue.pk}",
    ]
    album = sonic.getMusicDirectory(f"al-{kind_of_blue.pk}")["directory"]
    assert [child["title"] for child in album["child"]] == ["So What", "Freddie Freeloader"]
    assert len(sonic.getAlbumList("newest")["albumList"]["album"]) == 3
    assert [row["title"] for row in sonic.search2("saeta")["searchResult2"]["song"]] == ["Saeta"]
    sonic.star(albumIds=[kind_of_blue.pk])
    assert [row["id"] for row in sonic.getStarred()["starred"]["album"]] == [f"al-{kind_of_blue.pk}"]
