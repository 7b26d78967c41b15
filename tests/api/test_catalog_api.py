"""The catalog API: artists, albums, tracks and genres; filters, search, ordering, pagination, queries."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from catalog.models import Album, Track
from tests.catalog.factories import make_album, make_artist, make_audio_file, make_genre, make_track

pytestmark = pytest.mark.django_db

CATALOG_LISTS = ["/api/v1/artists/", "/api/v1/albums/", "/api/v1/tracks/", "/api/v1/genres/"]
RECORDING_MBID = uuid.UUID("5b11f4ce-a62d-471e-81fc-a69a8278c7da")


@pytest.fixture
def catalog():
    rock, jazz = make_genre("Rock"), make_genre("Jazz")
    ada, bjork = make_artist("Ada Stone"), make_artist("Björk")
    night = make_album(
        "Night Drives", artist=ada, release_year=2019, cover="covers/ab/night.jpg",
        loudness_lufs=-10.4, true_peak_dbtp=-0.1,
    )
    singles = make_album("Blue Singles", artist=ada, release_year=2021, album_type=Album.AlbumType.SINGLE)
    nights = make_album("Jazz Nights", artist=bjork, album_type=Album.AlbumType.EP)
    tracks = {
        "opening": make_track(
            "Opening", album=night, track_number=1, duration_ms=120_000, genres=[rock],
            audio_file=make_audio_file(bitrate=320_000, loudness_lufs=-9.8, true_peak_dbtp=-0.3),
        ),
        "second": make_track("Second Song", album=night, track_number=2, duration_ms=240_000, genres=[rock]),
        "bonus": make_track("Bonus", album=night, disc_number=2, track_number=1, duration_ms=180_000),
        "single": make_track("Single", album=singles, duration_ms=200_000, mbid=RECORDING_MBID),
        "smooth": make_track("Smooth", album=nights, duration_ms=300_000, genres=[jazz]),
        "gone": make_track("Gone", album=nights, duration_ms=100_000, genres=[jazz], is_available=False),
    }
    return {"genres": (rock, jazz), "artists": (ada, bjork), "albums": (night, singles, nights), **tracks}


def ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.content
    return [item["id"] for item in answer.json()["results"]]


# ------------------------------------------------------------------------------ representation
def test_a_track_carries_its_artist_album_duration_cover_and_stream_url(api, catalog):
    track = catalog["opening"]
    (item,) = api.get("/api/v1/tracks/", {"search": "opening"}).json()["results"]
    assert item == {
        "id": track.pk,
        "title": "Opening",
        "artist": "Ada Stone",
        "artist_id": track.artist_id,
        "album": "Night Drives",
        "album_id": track.album_id,
        "duration_ms": 120_000,
        "cover_url": "/media/covers/ab/night.jpg",
        "stream_url": f"/stream/{track.pk}/",
        "url": f"/tracks/{track.pk}/",
        "loudness": {
            "track_lufs": -9.8, "track_peak_dbtp": -0.3, "album_lufs": -10.4, "album_peak_dbtp": -0.1
        },
    }


def test_track_detail_adds_position_genres_and_audio(api, catalog):
    track = catalog["opening"]
    detail = api.get(f"/api/v1/tracks/{track.pk}/").json()
    assert (detail["disc_number"], detail["track_number"], detail["release_year"]) == (1, 1, 2019)
    assert [genre["slug"] for genre in detail["genres"]] == ["rock"]
    assert detail["audio"]["bitrate"] == 320_000
    assert detail["is_available"] is True
    assert api.get(f"/api/v1/tracks/{catalog['single'].pk}/").json()["audio"] is None


def test_album_detail_lists_its_tracks_in_order(api, catalog):
    night = catalog["albums"][0]
    detail = api.get(f"/api/v1/albums/{night.pk}/").json()
    assert [track["title"] for track in detail["tracks"]] == ["Opening", "Second Song", "Bonus"]
    assert [(track["disc_number"], track["track_number"]) for track in detail["tracks"]] == [
        (1, 1), (1, 2), (2, 1)
    ]
    assert (detail["track_count"], detail["duration_ms"]) == (3, 540_000)
    assert detail["artist"] == "Ada Stone"
    assert [genre["name"] for genre in detail["genres"]] == ["Rock"]


def test_artist_detail_groups_their_releases(api, catalog):
    ada = catalog["artists"][0]
    detail = api.get(f"/api/v1/artists/{ada.pk}/").json()
    assert [album["title"] for album in detail["albums"]] == ["Night Drives"]
    assert [album["title"] for album in detail["singles_and_eps"]] == ["Blue Singles"]
    assert detail["albums"][0]["track_count"] == 3
    assert detail["picture_url"] == "/media/covers/ab/night.jpg"
    assert detail["track_count"] == 4
    assert {track["title"] for track in detail["top_tracks"]} == {"Opening", "Second Song", "Bonus", "Single"}


def test_genre_list_and_detail(api, catalog):
    genres = api.get("/api/v1/genres/").json()["results"]
    assert [(genre["slug"], genre["track_count"]) for genre in genres] == [("jazz", 1), ("rock", 2)]
    detail = api.get("/api/v1/genres/rock/").json()
    assert [artist["name"] for artist in detail["artists"]] == ["Ada Stone"]
    assert {track["title"] for track in detail["tracks"]} == {"Opening", "Second Song"}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/tracks/999999/", "/api/v1/albums/999999/", "/api/v1/artists/999999/", "/api/v1/genres/nope/",
     "/api/v1/tracks/99999999999999999999999/", "/api/v1/albums/9223372036854775808/"],
)
def test_unknown_ids_are_404(api, catalog, path):
    assert api.get(path).status_code == 404


# ------------------------------------------------------------------------------ filters
def test_track_filters(api, catalog):
    rock = catalog["genres"][0]
    night, singles, _ = catalog["albums"]
    ada = catalog["artists"][0]
    assert set(ids(api.get("/api/v1/tracks/", {"album": night.pk}))) == {
        catalog[name].pk for name in ("opening", "second", "bonus")
    }
    assert len(ids(api.get("/api/v1/tracks/", {"artist": ada.pk}))) == 4
    in_rock = {catalog["opening"].pk, catalog["second"].pk}
    assert set(ids(api.get("/api/v1/tracks/", {"genre": rock.slug}))) == in_rock
    assert ids(api.get("/api/v1/tracks/", {"year_min": 2020})) == [catalog["single"].pk]
    assert set(ids(api.get("/api/v1/tracks/", {"year_min": 2019, "year_max": 2019}))) == {
        catalog[name].pk for name in ("opening", "second", "bonus")
    }
    assert ids(api.get("/api/v1/tracks/", {"duration_min": 250_000, "duration_max": 300_000})) == [
        catalog["smooth"].pk
    ]
    assert ids(api.get("/api/v1/tracks/", {"available": "false"})) == [catalog["gone"].pk]
    assert len(ids(api.get("/api/v1/tracks/", {"available": "true"}))) == 5
    assert ids(api.get("/api/v1/tracks/", {"mbid": str(RECORDING_MBID)})) == [catalog["single"].pk]
    assert ids(api.get("/api/v1/tracks/", {"genre": "polka"})) == []


def test_album_and_artist_filters(api, catalog):
    rock, jazz = catalog["genres"]
    night, singles, nights = catalog["albums"]
    ada, bjork = catalog["artists"]
    assert set(ids(api.get("/api/v1/albums/", {"artist": ada.pk}))) == {night.pk, singles.pk}
    assert ids(api.get("/api/v1/albums/", {"genre": jazz.slug})) == [nights.pk]
    assert ids(api.get("/api/v1/albums/", {"year": 2021})) == [singles.pk]
    assert ids(api.get("/api/v1/albums/", {"album_type": "ep"})) == [nights.pk]
    assert ids(api.get("/api/v1/artists/", {"genre": rock.slug})) == [ada.pk]
    # Names are matched folded: case, accents and punctuation do not matter.
    assert ids(api.get("/api/v1/artists/", {"name": "BJORK"})) == [bjork.pk]
    assert ids(api.get("/api/v1/artists/", {"name": "stone"})) == [ada.pk]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/tracks/", {"year_min": "last year"}, "year_min"),
        ("/api/v1/tracks/", {"duration_max": -1}, "duration_max"),
        ("/api/v1/tracks/", {"mbid": "not-a-uuid"}, "mbid"),
        ("/api/v1/tracks/", {"artist": 0}, "artist"),
        ("/api/v1/tracks/", {"album": 2**64}, "album"),
        ("/api/v1/albums/", {"album_type": "bootleg"}, "album_type"),
        ("/api/v1/albums/", {"year": 10_000}, "year"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api, catalog, path, params, field):
    answer = api.get(path, params)
    assert answer.status_code == 400
    assert field in answer.json()


# ------------------------------------------------------------------------------ search
def test_search_ranks_like_the_site_search(api):
    album = make_album("Moons")
    for title in ["Moon Blue", "True Blue Moon", "Blue Moonlight", "Blue Moon", "Nothing Alike"]:
        make_track(title, album=album)
    expected = [track.pk for track in selectors.search(query="blue moon").tracks]
    found = ids(api.get("/api/v1/tracks/", {"search": "blue moon"}))
    assert found == expected
    titles = dict(Track.objects.values_list("pk", "title"))
    assert [titles[pk] for pk in found][:3] == ["Blue Moon", "Blue Moonlight", "True Blue Moon"]


def test_search_combines_with_filters_and_ordering(api, catalog):
    found = ids(api.get("/api/v1/tracks/", {"search": "ada stone", "year_min": 2020}))
    assert found == [catalog["single"].pk]
    by_duration = ids(api.get("/api/v1/tracks/", {"search": "ada stone", "ordering": "-duration_ms"}))
    assert by_duration == [catalog[name].pk for name in ("second", "single", "bonus", "opening")]
    assert ids(api.get("/api/v1/albums/", {"search": "nights"}))[0] == catalog["albums"][2].pk
    assert ids(api.get("/api/v1/artists/", {"search": "bjork"})) == [catalog["artists"][1].pk]
    # An empty search is no search; one with nothing to search for finds nothing, like the site's.
    assert ids(api.get("/api/v1/tracks/", {"search": " "})) == ids(api.get("/api/v1/tracks/"))
    assert ids(api.get("/api/v1/tracks/", {"search": "!!!"})) == []


# ------------------------------------------------------------------------------ ordering and pages
def test_ordering_by_whitelisted_fields(api, catalog):
    by_duration = ids(api.get("/api/v1/tracks/", {"ordering": "duration_ms"}))
    assert by_duration[0] == catalog["gone"].pk and by_duration[-1] == catalog["smooth"].pk
    # Nulls last in both directions, on every database.
    by_year = ids(api.get("/api/v1/albums/", {"ordering": "-year"}))
    night, singles, nights = catalog["albums"]
    assert by_year == [singles.pk, night.pk, nights.pk]
    assert ids(api.get("/api/v1/albums/", {"ordering": "year"}))[-1] == catalog["albums"][2].pk
    # Unknown fields are ignored: the default order (by title) stays.
    default = ids(api.get("/api/v1/tracks/"))
    assert ids(api.get("/api/v1/tracks/", {"ordering": "audio_file__path"})) == default
    titles = [item["title"] for item in api.get("/api/v1/tracks/").json()["results"]]
    assert titles == sorted(titles)


def test_pages_and_page_size_capped(api):
    album = make_album()
    Track.objects.bulk_create(
        Track(title=f"T{n:03}", title_key=f"t{n:03}", album=album, artist=album.artist) for n in range(205)
    )
    first = api.get("/api/v1/tracks/", {"page_size": 2}).json()
    assert (first["count"], len(first["results"])) == (205, 2)
    assert "page=2" in first["next"] and first["previous"] is None
    assert len(api.get("/api/v1/tracks/", {"page_size": 1000}).json()["results"]) == 200
    assert len(api.get("/api/v1/tracks/").json()["results"]) == 50
    last = api.get("/api/v1/tracks/", {"page": 5}).json()
    assert [item["title"] for item in last["results"]] == ["T200", "T201", "T202", "T203", "T204"]
    assert api.get("/api/v1/tracks/", {"page": 99}).status_code == 404


def _queries(api, path, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path, params).status_code == 200
    return len(captured)


def _grow_catalog(count: int) -> None:
    genre = make_genre()
    for _ in range(count):
        artist = make_artist()
        album = make_album(artist=artist, cover="covers/x.jpg")
        make_track(album=album, genres=[genre])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/tracks/", {}),
        ("/api/v1/tracks/", {"search": "track", "genre": "genre"}),
        ("/api/v1/albums/", {}),
        ("/api/v1/artists/", {"ordering": "-name"}),
        ("/api/v1/genres/", {}),
    ],
)
def test_a_page_runs_a_constant_number_of_queries(api, path, params, django_assert_max_num_queries):
    _grow_catalog(5)
    few = _queries(api, path, params)
    _grow_catalog(45)
    with django_assert_max_num_queries(few):
        assert api.get(path, params).status_code == 200
    assert few <= 8


def test_album_detail_queries_do_not_grow_with_its_tracks(api, django_assert_max_num_queries):
    small, big = make_album(), make_album()
    for n in range(3):
        make_track(album=small, track_number=n, genres=[make_genre()])
    for n in range(40):
        make_track(album=big, track_number=n, genres=[make_genre()])
    few = _queries(api, f"/api/v1/albums/{small.pk}/", {})
    with django_assert_max_num_queries(few):
        api.get(f"/api/v1/albums/{big.pk}/")


# ------------------------------------------------------------------------------ authentication
@pytest.mark.parametrize("path", [*CATALOG_LISTS, "/api/v1/tracks/1/", "/api/v1/genres/rock/"])
def test_anonymous_requests_are_401_with_the_token_scheme(anonymous, path):
    answer = anonymous.get(path)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_401(anonymous, catalog):
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anonymous.get("/api/v1/tracks/").status_code == 401


def test_session_authentication_works_too(user_client, catalog):
    assert user_client.get("/api/v1/tracks/").status_code == 200


def test_catalog_is_read_only(api, catalog):
    assert api.post("/api/v1/tracks/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/tracks/{catalog['opening'].pk}/").status_code == 405
