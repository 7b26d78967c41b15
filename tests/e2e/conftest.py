"""Browser fixtures: a small catalog of real MP3s on the live server, and a logged-in headless Chromium.

Chromium is Debian's (/usr/bin/chromium, `make browser`); Playwright only drives it, so it never
downloads a browser of its own.
"""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from catalog import services as catalog_services
from catalog.models import Album, Track
from tests.catalog.audio_files import write_audio

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--autoplay-policy=no-user-gesture-required",
]


def launch_chromium(playwright):
    """Start Debian's Chromium headless, as every browser test runs it."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
TRACK_SECONDS = 40
TITLES = ["First Light", "Second Wind", "Third Rail"]


@pytest.fixture
def audio_library(tmp_path, transactional_db):
    """An album of three 40-second MP3 tracks, imported like any library."""
    root = tmp_path / "music"
    for number, title in enumerate(TITLES, start=1):
        write_audio(
            root / "Test Artist" / "Test Album" / f"{number:02d} {title}.mp3",
            duration=TRACK_SECONDS,
            title=title,
            artist="Test Artist",
            album_artist="Test Artist",
            album="Test Album",
            track=f"{number}/{len(TITLES)}",
            date="2024",
            genre="Ambient",
        )
    catalog_services.library_import(root=Path(root))
    album = Album.objects.select_related("artist").get(title="Test Album")
    tracks = list(Track.objects.filter(album=album).order_by("track_number"))
    assert [track.title for track in tracks] == TITLES
    return SimpleNamespace(album=album, artist=album.artist, tracks=tracks)


@pytest.fixture
def browser_page(live_server, user, monkeypatch):
    """A headless Chromium page logged in (through the form) as `listener`, on the live server."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        # bypass_csp: page.wait_for_function evaluates its predicate with eval, which the site's
        # Content-Security-Policy forbids; tests/e2e/test_csp.py checks the pages under the policy.
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
