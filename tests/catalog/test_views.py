"""Catalog pages: what each page shows, 404s, the login requirement and constant query counts."""

import datetime
import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from catalog import selectors, shelves
from catalog.models import Album
from catalog.pages import top_result
from streamapp.ui import formats

from .factories import make_album, make_artist, make_audio_file, make_genre, make_track

pytestmark = pytest.mark.django_db


def png_file(name="cover.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 90)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def text(response) -> str:
    """Return the page's text with tags removed and whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def library():
    """A small catalog: one artist with an album of two discs, a single, and an appearance."""
    rock, jazz = make_genre("Rock"), make_genre("Jazz")
    artist = make_artist("Radiohead")
    album = make_album("OK Computer", artist=artist, release_year=1997, cover=png_file())
    tracks = [
        make_track("Airbag", album=album, track_number=1, duration_ms=284_000, genres=[rock]),
        make_track("Paranoid Android", album=album, track_number=2, duration_ms=383_600, genres=[rock]),
        make_track(
            "Lucky", album=album, track_number=1, disc_number=2, duration_ms=259_000, genres=[rock, jazz]
        ),
    ]
    single = make_album("Creep", artist=artist, release_year=1992, album_type=Album.AlbumType.SINGLE)
    make_track("Creep", album=single, track_number=1, duration_ms=238_000, genres=[rock])
    various = make_artist("Various Artists")
    compilation = make_album(
        "Best of the Nineties", artist=various, release_year=2001, album_type=Album.AlbumType.COMPILATION
    )
    guest = make_artist("Björk")
    make_track("Street Spirit", album=compilation, artist=artist, track_number=1, genres=[rock])
    make_track("Hyperballad", album=compilation, artist=guest, track_number=2, genres=[jazz])
    return {
        "rock": rock, "jazz": jazz, "artist": artist, "album": album, "tracks": tracks, "single": single,
        "compilation": compilation, "guest": guest,
    }


# ------------------------------------------------------------------------------ the layout
def test_layout_has_boosted_navigation_a_home_link_and_a_player_region(user_client, library):
    response = user_client.get("/")
    html = response.content.decode()
    assert re.search(r'<body[^>]*\bhx-boost="true"', html)
    assert 'hx-target="#main"' in html and 'hx-select="#main"' in html
    assert re.search(r'<main id="main"[^>]*hx-history-elt', html)
    assert '<footer id="player"' in html
    assert "Nothing playing" in html
    assert 'href="/"' in html
    assert "<title>Home · streamapp</title>" in html
    # The search box is a combobox that asks for suggestions as the listener types.
    assert 'role="combobox"' in html and 'hx-get="/search/suggest/"' in html
    assert 'hx-trigger="input changed delay:150ms' in html
    # htmx and the page scripts come from our own static files, never a CDN.
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "https://" not in html


def test_logout_is_a_post_form_in_the_account_menu(user_client, library):
    html = user_client.get("/").content.decode()
    assert re.search(r'<form action="/accounts/logout/" method="post"', html)


# ------------------------------------------------------------------------------ home
def test_home_greets_the_listener_and_shows_new_releases_and_genres(user_client, library):
    response = user_client.get("/")
    page = text(response)
    assert re.search(r"Good (morning|afternoon|evening), listener", page)
    assert "New releases" in page
    # Newest release first.
    assert page.index("Best of the Nineties") < page.index("OK Computer") < page.index("Creep")
    assertContains(response, f'href="{library["album"].get_absolute_url()}"')
    assertContains(response, 'aria-label="Play album OK Computer"')
    assertContains(response, f'data-album-id="{library["album"].pk}"')
    assertContains(response, f'href="{library["rock"].get_absolute_url()}"')
    # The personal shelves have their place before anything has been played.
    assert "Recently played" in page


def test_home_hides_albums_with_nothing_to_play(user_client, library):
    gone = make_album("Vanished", artist=library["artist"], release_year=2020)
    make_track("Lost", album=gone, is_available=False)
    assertNotContains(user_client.get("/"), "Vanished")


def test_home_shows_registered_personal_shelves(user_client, library):
    @shelves.register("test-recent", order=1)
    def recently_played(user):
        title = f"Recently played by {user.username}"
        return shelves.Shelf(key="recent", title=title, albums=[library["album"]])

    try:
        response = user_client.get("/")
    finally:
        shelves.unregister("test-recent")
    assertContains(response, "Recently played by listener")
    assertContains(response, 'data-shelf="recent"')


def test_home_explains_an_empty_library(user_client):
    assertContains(user_client.get("/"), "The library is empty")


# ------------------------------------------------------------------------------ genres
def test_genre_list_shows_every_genre_with_its_track_count(user_client, library):
    response = user_client.get(reverse("catalog:genre-list"))
    page = text(response)
    assert "Rock 5 tracks" in page
    assert "Jazz 2 tracks" in page
    assertContains(response, "<title>Genres · streamapp</title>", html=False)


def test_genre_page_shows_its_artists_albums_and_tracks(user_client, library):
    response = user_client.get(library["jazz"].get_absolute_url())
    page = text(response)
    assert "<title>Jazz · streamapp</title>" in response.content.decode()
    assert "Björk" in page and "Radiohead" in page
    assert "OK Computer" in page and "Best of the Nineties" in page
    assert "Lucky" in page and "Hyperballad" in page
    assert "Airbag" not in page


def test_unknown_genre_is_404(user_client):
    assert user_client.get("/genres/no-such-genre/").status_code == 404


# ------------------------------------------------------------------------------ artist
def test_artist_page_shows_top_tracks_and_releases_by_type(user_client, library):
    artist = library["artist"]
    response = user_client.get(artist.get_absolute_url())
    page = text(response)
    assert "<title>Radiohead · streamapp</title>" in response.content.decode()
    assert "Top tracks" in page
    for title in ("Airbag", "Paranoid Android", "Lucky", "Creep", "Street Spirit"):
        assert title in page
    assert page.index("Albums") < page.index("OK Computer 1997 · Album")
    assert "Singles and EPs" in page and "Creep 1992 · Single" in page
    assert "Appears on" in page and "Best of the Nineties" in page
    assertContains(response, 'aria-label="Play artist Radiohead"')
    assertContains(response, f'data-track-id="{library["tracks"][0].pk}"')


def test_artist_top_tracks_leave_out_unavailable_tracks(library):
    make_track("Missing File", album=library["album"], track_number=3, is_available=False)
    titles = [track.title for track in selectors.artist_top_tracks(artist=library["artist"])]
    # Opening tracks first (newest release first), then second tracks, ...
    assert titles == ["Street Spirit", "Airbag", "Creep", "Lucky", "Paranoid Android"]


def test_unknown_artist_is_404(user_client):
    assert user_client.get("/artists/999999/").status_code == 404


# ------------------------------------------------------------------------------ album
def test_album_page_shows_cover_tracklist_durations_and_discs(user_client, library):
    album = library["album"]
    response = user_client.get(album.get_absolute_url())
    html, page = response.content.decode(), text(response)
    assert "<title>OK Computer by Radiohead · streamapp</title>" in html
    assert f'src="{album.cover.url}"' in html
    assert f'href="{library["artist"].get_absolute_url()}"' in html
    assert "1997" in page and "Album" in page
    assert "3 tracks, 15 min 27 sec" in page
    assert "Disc 1" in page and "Disc 2" in page
    assert "1 Airbag 4:44" in page
    assert "2 Paranoid Android 6:24" in page
    assert "1 Lucky 4:19" in page
    assert page.index("Airbag") < page.index("Paranoid Android") < page.index("Disc 2") < page.index("Lucky")
    assert "Rock" in page and "Jazz" in page
    assertContains(response, 'aria-label="Play album OK Computer"')
    assertContains(response, 'aria-label="Play Paranoid Android"')
    assert "More by Radiohead" in page and "Creep" in page


def test_album_with_one_disc_has_no_disc_headers(user_client, library):
    page = text(user_client.get(library["single"].get_absolute_url()))
    assert "Disc 1" not in page
    assert "1 Creep 3:58" in page


def test_album_without_a_cover_gets_a_generated_one(user_client, library):
    response = user_client.get(library["single"].get_absolute_url())
    html = response.content.decode()
    assert '<span class="cover-initials" aria-hidden="true">C</span>' in html
    assert "<img" not in html.split('class="cover cover-xl"', 1)[1].split("</div>", 1)[0]


def test_compilation_tracks_name_their_own_artists(user_client, library):
    page = text(user_client.get(library["compilation"].get_absolute_url()))
    assert "Street Spirit Radiohead" in page
    assert "Hyperballad Björk" in page


def test_unknown_album_is_404(user_client):
    response = user_client.get("/albums/999999/")
    assert response.status_code == 404
    assertContains(response, "This page doesn’t exist", status_code=404)


# ------------------------------------------------------------------------------ track
def test_track_page_shows_track_album_and_the_other_tracks(user_client, library):
    track = library["tracks"][1]
    response = user_client.get(track.get_absolute_url())
    html, page = response.content.decode(), text(response)
    assert "<title>Paranoid Android by Radiohead · streamapp</title>" in html
    assert f'href="{library["artist"].get_absolute_url()}"' in html
    assert f'href="{library["album"].get_absolute_url()}"' in html
    assert "6:24" in page and "Rock" in page
    assert "From OK Computer" in page and "Airbag" in page and "Lucky" in page
    assert page.index("Disc 1") < page.index("Airbag") < page.index("Disc 2") < page.index("Lucky")
    assert 'aria-current="true"' in html
    assertContains(response, 'aria-label="Play Paranoid Android"')
    assert "Bitrate" not in page


def test_track_page_shows_file_details_to_staff(staff_client, library):
    file = make_audio_file(
        "/music/radiohead/airbag.flac", format="flac", mime_type="audio/flac", bitrate=1_011_000,
        sample_rate=44_100, channels=2, size=35_000_000,
    )
    track = library["tracks"][0]
    track.audio_file = file
    track.save()
    page = text(staff_client.get(track.get_absolute_url()))
    assert "Format FLAC" in page
    assert "Bitrate 1011 kbps" in page
    assert "Sample rate 44100 Hz" in page
    assert "/music/radiohead/airbag.flac" in page


def test_unavailable_track_says_so(user_client, library):
    track = make_track("Gone", album=library["album"], track_number=3, is_available=False)
    assertContains(user_client.get(track.get_absolute_url()), "can’t be played right now")


def test_unknown_track_is_404(user_client):
    assert user_client.get("/tracks/999999/").status_code == 404


# ------------------------------------------------------------------------------ search
def test_search_without_a_query_offers_genres(user_client, library):
    response = user_client.get("/search/")
    page = text(response)
    assert "Browse all" in page and "Rock" in page


def test_search_shows_artists_albums_and_tracks_with_a_top_result(user_client, library):
    response = user_client.get("/search/", {"q": "radiohead"})
    html, page = response.content.decode(), text(response)
    assert "<title>“radiohead” · Search · streamapp</title>" in html
    assert 'value="radiohead"' in html
    assert "Top result" in page
    top = html.split('class="top-result" data-kind="artist"', 1)[1].split("</article>", 1)[0]
    assert "Radiohead" in top
    assert "Artists" in page
    assert f'href="{library["artist"].get_absolute_url()}"' in html


def test_search_finds_albums_and_tracks(user_client, library):
    page = text(user_client.get("/search/", {"q": "ok computer"}))
    assert "OK Computer" in page
    page = text(user_client.get("/search/", {"q": "paranoid"}))
    assert "Tracks" in page and "Paranoid Android" in page


def test_search_with_no_results_says_so(user_client, library):
    page = text(user_client.get("/search/", {"q": "zzzz qqqq"}))
    assert "No results found for “zzzz qqqq”" in page


def test_search_suggestions_are_a_listbox_of_links(user_client, library):
    response = user_client.get("/search/suggest/", {"q": "radio"})
    html = response.content.decode()
    assert "<html" not in html  # a partial
    assert 'role="option"' in html
    assert "Radiohead" in html
    assert f'href="{library["artist"].get_absolute_url()}"' in html
    assert 'href="/search/?q=radio"' in html


def test_empty_suggestion_query_renders_nothing(user_client, library):
    response = user_client.get("/search/suggest/", {"q": "  "})
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_search_view_renders_what_the_selectors_return(user_client, library, monkeypatch):
    """The page follows the search contract (SearchResults / Suggestion), whatever the ranking."""
    from catalog.search import SearchResults, Suggestion

    album = library["album"]
    results = SearchResults(query="ok computer", artists=[], albums=[album], tracks=library["tracks"])
    suggestion = Suggestion(kind="album", label="OK Computer", sublabel="Radiohead", url="/x/")
    monkeypatch.setattr(selectors, "search", lambda *, query, limit: results, raising=False)
    monkeypatch.setattr(selectors, "search_suggestions", lambda *, query, limit: [suggestion], raising=False)
    html = user_client.get("/search/", {"q": "ok computer"}).content.decode()
    assert re.search(r'class="top-result" data-kind="album"', html)
    assert "Artists" not in text(user_client.get("/search/", {"q": "ok computer"}))
    suggestions = user_client.get("/search/suggest/", {"q": "ok"})
    assert 'href="/x/"' in suggestions.content.decode()
    assert "OK Computer Album · Radiohead" in text(suggestions)


def test_top_result_prefers_an_exact_name():
    class Row:
        def __init__(self, name):
            self.name = self.title = name

    artist, album, track = Row("Creep Show"), Row("Creeping"), Row("Creep")
    assert top_result(query="creep", artists=[artist], albums=[album], tracks=[track]) == ("track", track)
    assert top_result(query="cre", artists=[artist], albums=[album], tracks=[track]) == ("artist", artist)
    assert top_result(query="cre", artists=[], albums=[], tracks=[]) is None


# ------------------------------------------------------------------------------ access
PAGES = ["/", "/genres/", "/genres/rock/", "/artists/{artist}/", "/albums/{album}/", "/tracks/{track}/",
         "/search/?q=radiohead", "/search/suggest/?q=radio"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_anonymous_visitors_to_log_in(client, library, path):
    url = path.format(artist=library["artist"].pk, album=library["album"].pk, track=library["tracks"][0].pk)
    response = client.get(url)
    assertRedirects(response, f"/accounts/login/?next={url.replace('?', '%3F').replace('=', '%3D')}",
                    fetch_redirect_response=False)


def test_pages_refuse_post(user_client, library):
    assert user_client.post("/").status_code == 405
    assert user_client.post(library["album"].get_absolute_url()).status_code == 405


# ------------------------------------------------------------------------------ query counts
def grow(library, start: int, stop: int) -> None:
    """Add stop - start of everything each page lists: albums, tracks, artists, genres, appearances."""
    artist, album, rock = library["artist"], library["album"], library["rock"]
    for number in range(start, stop):
        other = make_album(f"Album {number}", artist=artist, release_year=1980 + number, cover=png_file())
        make_track(f"Radio Song {number}", album=other, track_number=1, genres=[rock, make_genre()])
        make_track(f"Extra {number}", album=album, track_number=10 + number, disc_number=1 + number % 3,
                   genres=[rock])
        stranger = make_artist(f"Radio Band {number}")
        guest_album = make_album(f"Guest Album {number}", artist=stranger, cover=png_file())
        make_track(f"Radio Guest {number}", album=guest_album, artist=artist, genres=[rock])
        make_track(f"Own Song {number}", album=guest_album, genres=[rock])


def page_urls(library) -> dict[str, str]:
    return {
        "home": "/",
        "genre list": "/genres/",
        "genre": library["rock"].get_absolute_url(),
        "artist": library["artist"].get_absolute_url(),
        "album": library["album"].get_absolute_url(),
        "track": library["tracks"][0].get_absolute_url(),
        "search": "/search/?q=radio",
        "search page without query": "/search/",
        "suggestions": "/search/suggest/?q=radio",
        "profile": "/accounts/profile/",
    }


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_every_page_runs_a_constant_number_of_queries(user_client, library, django_assert_max_num_queries):
    urls = page_urls(library)
    grow(library, 0, 3)
    small = {name: count_queries(user_client, url) for name, url in urls.items()}
    grow(library, 3, 30)
    for name, url in urls.items():
        assert small[name] <= 12, f"{name} runs {small[name]} queries"
        with django_assert_max_num_queries(small[name]):
            response = user_client.get(url)
        assert response.status_code == 200, name
    # The bigger catalog really is on the pages.
    assert "Album 29" in text(user_client.get(urls["artist"]))
    assert "Extra 29" in text(user_client.get(urls["album"]))


# ------------------------------------------------------------------------------ filters and shelves
@pytest.mark.parametrize(
    ("ms", "expected"),
    [(0, "0:00"), (59_400, "0:59"), (59_600, "1:00"), (200_000, "3:20"), (3_725_000, "1:02:05"), (None, "")],
)
def test_durations_are_formatted_as_minutes_and_seconds(ms, expected):
    assert formats.duration(ms) == expected


def test_album_running_time_is_written_out():
    assert formats.duration_words(927_000) == "15 min 27 sec"
    assert formats.duration_words(3_900_000) == "1 hr 5 min"
    assert formats.duration_words(42_000) == "42 sec"


def test_initials_of_generated_covers():
    assert formats.initials("OK Computer") == "OC"
    assert formats.initials("The Beatles") == "B"
    assert formats.initials("björk") == "B"
    assert formats.initials("...") == "♪"
    assert formats.hue("OK Computer") == formats.hue("OK Computer")


def test_greeting_follows_the_listeners_time_zone(user):
    noon_utc = datetime.datetime(2025, 1, 1, 12, 0, tzinfo=datetime.UTC)
    user.time_zone = "Asia/Tokyo"  # 21:00 there
    assert formats.greeting(user, noon_utc) == "Good evening"
    user.time_zone = "America/New_York"  # 07:00 there
    assert formats.greeting(user, noon_utc) == "Good morning"
    user.time_zone = "Not/AZone"
    assert formats.greeting(user, noon_utc) == "Good afternoon"


def test_shelves_are_ordered_and_empty_ones_hidden(user):
    shelves.register("test-b", order=2)(lambda user: shelves.Shelf(key="b", title="B", tracks=[object()]))
    shelves.register("test-a", order=1)(lambda user: [shelves.Shelf(key="a", title="A", albums=[object()])])
    shelves.register("test-empty", order=0)(lambda user: shelves.Shelf(key="empty", title="Empty"))
    shelves.register("test-none", order=0)(lambda user: None)
    try:
        # Only this test's providers: the apps register their own (recommend's taste picker, ...).
        ours = {"a", "b", "empty", "none"}
        assert [shelf.key for shelf in shelves.shelves_for(user) if shelf.key in ours] == ["a", "b"]
    finally:
        for key in ("test-a", "test-b", "test-empty", "test-none"):
            shelves.unregister(key)


# ------------------------------------------------------------------------------ in the browser
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A headless Chromium page logged in as `listener`, on the live test server."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # bypass_csp: wait_for_function evaluates with eval, which the CSP forbids (tests/e2e/test_csp.py).
        page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        page.set_default_timeout(10_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "listener")
        page.fill("#id_password", "listener-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        yield page
        browser.close()
        assert errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_links_swap_the_page_but_keep_the_player(user, library, live_server, browser_page):
    page = browser_page
    page.evaluate("document.getElementById('player').dataset.kept = 'yes'")

    page.click(f'a.card-title[href="{library["album"].get_absolute_url()}"]')
    page.wait_for_url(f"{live_server.url}{library['album'].get_absolute_url()}")
    page.wait_for_function("document.title.startsWith('OK Computer')")
    assert page.inner_text("h1") == "OK Computer"

    page.click(f'.meta a[href="{library["artist"].get_absolute_url()}"]')
    page.wait_for_function("document.title.startsWith('Radiohead')")
    assert page.inner_text("h1") == "Radiohead"

    page.go_back()
    page.wait_for_function("document.title.startsWith('OK Computer')")
    assert page.inner_text("h1") == "OK Computer"
    page.go_back()
    page.wait_for_function("document.title.startsWith('Home')")
    assert page.url == f"{live_server.url}/"
    # The player region was never replaced: a full page load would have dropped the marker.
    assert page.evaluate("document.getElementById('player').dataset.kept") == "yes"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_suggestions_work_with_the_keyboard(user, library, live_server, browser_page):
    page = browser_page
    page.evaluate("document.getElementById('player').dataset.kept = 'yes'")
    search_box = page.get_by_role("combobox", name="Search artists, albums and tracks")
    search_box.click()
    page.keyboard.type("radiohead", delay=20)
    page.wait_for_selector("#search-suggestions [role=option]")
    assert search_box.get_attribute("aria-expanded") == "true"

    page.keyboard.press("ArrowDown")
    first = page.locator("#search-suggestions [role=option]").first
    assert first.get_attribute("aria-selected") == "true"
    assert search_box.get_attribute("aria-activedescendant") == first.get_attribute("id")

    page.keyboard.press("Escape")
    assert search_box.get_attribute("aria-expanded") == "false"
    assert page.locator("#search-suggestions").is_hidden()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("document.title.startsWith('Radiohead')")
    assert page.evaluate("document.getElementById('player').dataset.kept") == "yes"

    search_box.fill("ok computer")
    page.wait_for_selector("#search-suggestions [role=option]")
    page.keyboard.press("Enter")  # nothing chosen: the full results page
    page.wait_for_function("document.title.startsWith('“ok computer” · Search')")
    assert page.url.startswith(f"{live_server.url}/search/?q=ok")
    assert "Top result" in page.inner_text("#main")
