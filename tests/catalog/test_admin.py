"""The catalog admin: pages, search, tracklists, autocomplete, covers and constant query counts."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from catalog.models import Album, Artist, AudioFile, Genre, Track

from .factories import make_album, make_artist, make_audio_file, make_genre, make_track

pytestmark = pytest.mark.django_db

MODELS = ["artist", "album", "track", "genre", "audiofile"]


def jpeg(name: str = "cover.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def catalog():
    rock = make_genre("Rock")
    radiohead = make_artist("Radiohead")
    beyonce = make_artist("Beyoncé")
    pablo = make_album("Pablo Honey", artist=radiohead, release_year=1993, cover=jpeg())
    lemonade = make_album("Lemonade", artist=beyonce, release_year=2016, album_type=Album.AlbumType.ALBUM)
    audio = make_audio_file("/music/radiohead/creep.flac", format=AudioFile.Format.FLAC, size=31_457_280,
                            bitrate=1_000_000, sample_rate=44_100, channels=2)
    return {
        "rock": rock,
        "radiohead": radiohead,
        "beyonce": beyonce,
        "pablo": pablo,
        "lemonade": lemonade,
        "audio": audio,
        "creep": make_track("Creep", album=pablo, genres=[rock], audio_file=audio, track_number=2),
        "you": make_track("You", album=pablo, track_number=1),
        "formation": make_track("Formation", album=lemonade),
    }


def objects_of(catalog) -> dict:
    return {
        "artist": catalog["radiohead"],
        "album": catalog["pablo"],
        "track": catalog["creep"],
        "genre": catalog["rock"],
        "audiofile": catalog["audio"],
    }


@pytest.mark.parametrize("model", MODELS)
def test_changelists_and_change_pages_answer_staff(staff_client, catalog, model):
    assert staff_client.get(f"/admin/catalog/{model}/").status_code == 200
    obj = objects_of(catalog)[model]
    assert staff_client.get(f"/admin/catalog/{model}/{obj.pk}/change/").status_code == 200


@pytest.mark.parametrize("model", ["artist", "album", "track", "genre"])
def test_add_pages_answer_staff(staff_client, model):
    assert staff_client.get(f"/admin/catalog/{model}/add/").status_code == 200


def test_audio_files_come_only_from_imports(staff_client, catalog):
    assert staff_client.get("/admin/catalog/audiofile/add/").status_code == 403
    page = staff_client.get(f"/admin/catalog/audiofile/{catalog['audio'].pk}/change/").content.decode()
    # Technical fields are shown, not editable; availability is.
    assert 'name="is_available"' in page
    for field in ("path", "format", "bitrate", "size", "checksum", "duration_ms"):
        assert f'name="{field}"' not in page
    assert "30.0\xa0MB" in page and "1000 kbps" in page


def test_library_imports_are_in_the_admin(staff_client):
    assert staff_client.get("/admin/catalog/libraryimport/").status_code == 200


@pytest.mark.parametrize("url", ["/admin/catalog/artist/", "/admin/catalog/track/1/change/", "/admin/"])
def test_non_staff_are_sent_to_the_admin_login(client, user_client, url):
    for visitor in (client, user_client):
        response = visitor.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_search_ignores_accents_and_case(staff_client, catalog):
    page = staff_client.get("/admin/catalog/artist/", {"q": "BEYONCE"}).content.decode()
    assert "Beyoncé" in page and "Radiohead" not in page
    page = staff_client.get("/admin/catalog/album/", {"q": "beyonce"}).content.decode()
    assert "Lemonade" in page and "Pablo Honey" not in page


def test_track_search_spans_title_artist_and_album(staff_client, catalog):
    page = staff_client.get("/admin/catalog/track/", {"q": "radiohead creep"}).content.decode()
    assert ">Creep<" in page and ">You<" not in page and "Formation" not in page
    page = staff_client.get("/admin/catalog/track/", {"q": "pablo"}).content.decode()
    assert ">Creep<" in page and ">You<" in page and "Formation" not in page


def test_filters(staff_client, catalog):
    catalog["formation"].is_available = False
    catalog["formation"].save()
    page = staff_client.get("/admin/catalog/track/", {"is_available__exact": "0"}).content.decode()
    assert "Formation" in page and ">Creep<" not in page
    rock = catalog["rock"].pk
    page = staff_client.get("/admin/catalog/track/", {"genre": rock}).content.decode()
    assert ">Creep<" in page and ">You<" not in page
    page = staff_client.get("/admin/catalog/album/", {"release_year": "1993"}).content.decode()
    assert "Pablo Honey" in page and "Lemonade" not in page
    page = staff_client.get("/admin/catalog/audiofile/", {"format__exact": "flac"}).content.decode()
    assert "creep.flac" in page


def test_album_list_shows_cover_thumbnails_and_the_change_page_a_preview(staff_client, catalog):
    cover_url = catalog["pablo"].cover.url
    page = staff_client.get("/admin/catalog/album/").content.decode()
    assert re.search(rf'<img src="{re.escape(cover_url)}"[^>]* width="48"', page)
    page = staff_client.get(f"/admin/catalog/album/{catalog['pablo'].pk}/change/").content.decode()
    assert re.search(rf'<img src="{re.escape(cover_url)}"[^>]* width="300"', page)


def test_album_page_lists_its_tracks_by_disc_and_number(staff_client, catalog):
    album = catalog["pablo"]
    make_track("Bonus", album=album, disc_number=2, track_number=1)
    page = staff_client.get(f"/admin/catalog/album/{album.pk}/change/").content.decode()
    positions = [page.index(f'value="{title}"') for title in ("You", "Creep", "Bonus")]
    assert positions == sorted(positions)


def test_counts_are_shown(staff_client, catalog):
    page = staff_client.get("/admin/catalog/artist/").content.decode()
    assert re.search(r'field-album_count">1<.*field-track_count">2<', page, re.S)  # Beyoncé: 1 album, 1 track
    page = staff_client.get("/admin/catalog/genre/").content.decode()
    assert 'field-track_count">1<' in page


def autocomplete(client, field: str, term: str) -> list[str]:
    query = {"app_label": "catalog", "model_name": "track", "field_name": field, "term": term}
    return [result["text"] for result in client.get("/admin/autocomplete/", query).json()["results"]]


def test_autocomplete_finds_folded_names(staff_client, catalog):
    assert autocomplete(staff_client, "artist", "beyon") == ["Beyoncé"]
    assert autocomplete(staff_client, "album", "pablo") == ["Pablo Honey (Radiohead)"]
    assert autocomplete(staff_client, "genres", "ro") == ["Rock"]
    assert autocomplete(staff_client, "audio_file", "creep") == ["/music/radiohead/creep.flac"]


def test_saving_sets_the_matching_keys(staff_client, catalog):
    response = staff_client.post(
        "/admin/catalog/artist/add/",
        {"name": "Sigur Rós", "sort_name": "", "mbid": "",
         "albums-TOTAL_FORMS": "0", "albums-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302, response.content.decode()
    artist = Artist.objects.get(name="Sigur Rós")
    assert artist.name_key == "sigur ros"
    response = staff_client.post(
        "/admin/catalog/album/add/",
        {
            "title": "Ágætis byrjun", "artist": artist.pk, "album_type": "album", "release_year": "1999",
            "mbid": "",
            "tracks-TOTAL_FORMS": "2", "tracks-INITIAL_FORMS": "0",
            "tracks-0-disc_number": "1", "tracks-0-track_number": "1", "tracks-0-title": "Intro",
            "tracks-0-is_available": "on",
            "tracks-1-disc_number": "1", "tracks-1-track_number": "2", "tracks-1-title": "Svefn-g-englar",
            "tracks-1-is_available": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    album = Album.objects.get(title="Ágætis byrjun")
    assert album.title_key == "agætis byrjun"  # æ is a letter of its own, not a + e
    tracks = list(album.tracks.order_by("track_number"))
    assert [(track.title_key, track.artist) for track in tracks] == [
        ("intro", artist), ("svefn g englar", artist),
    ]
    track = tracks[1]
    response = staff_client.post(
        f"/admin/catalog/track/{track.pk}/change/",
        {
            "title": "Svefn-g-englar (Live)", "album": album.pk, "artist": artist.pk, "disc_number": "1",
            "track_number": "2", "duration_ms": "600000", "genres": [catalog["rock"].pk], "audio_file": "",
            "is_available": "on", "mbid": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    track.refresh_from_db()
    assert track.title_key == "svefn g englar live"
    assert list(track.genres.all()) == [catalog["rock"]]


def _add_rows(start: int, stop: int) -> None:
    """Add rows to every changelist: artists, albums, tracks, genres and files numbered start to stop."""
    for n in range(start, stop):
        artist = make_artist(f"Band {n}")
        album = make_album(f"Record {n}", artist=artist, release_year=1990 + n % 30)
        audio = make_audio_file(f"/music/band-{n}.mp3")
        make_track(f"Song {n}", album=album, genres=[make_genre(f"Style {n}")], audio_file=audio)
        make_track(f"Other song {n}", album=album, artist=make_artist(f"Guest {n}"))


@pytest.mark.parametrize("model", MODELS)
def test_changelists_run_a_constant_number_of_queries(staff_client, model, django_assert_max_num_queries):
    _add_rows(0, 5)
    staff_client.get(f"/admin/catalog/{model}/")  # the session and user are cached from here on
    with CaptureQueriesContext(connection) as five_rows:
        assert staff_client.get(f"/admin/catalog/{model}/").status_code == 200
    _add_rows(5, 50)
    with django_assert_max_num_queries(len(five_rows.captured_queries)):
        page = staff_client.get(f"/admin/catalog/{model}/")
    assert page.status_code == 200
    assert page.context["cl"].result_count >= 50


def test_album_page_runs_a_constant_number_of_queries(staff_client, django_assert_max_num_queries):
    album = make_album("Long Player")
    for number in range(3):
        make_track(f"Track {number}", album=album, track_number=number + 1)
    url = f"/admin/catalog/album/{album.pk}/change/"
    staff_client.get(url)
    with CaptureQueriesContext(connection) as three_tracks:
        staff_client.get(url)
    for number in range(3, 30):
        guest = make_artist(f"Guest {number}")
        make_track(f"Track {number}", album=album, track_number=number + 1, artist=guest)
    with django_assert_max_num_queries(len(three_tracks.captured_queries)):
        assert staff_client.get(url).status_code == 200


def test_genre_slug_is_prepopulated_from_the_name(staff_client):
    page = staff_client.get("/admin/catalog/genre/add/").content.decode()
    assert "prepopulated" in page and "#id_name" in page.replace("&quot;", '"')
    assert Genre.objects.count() == 0
    assert Track.objects.count() == 0
