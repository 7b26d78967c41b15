"""The Content-Security-Policy in a real browser: the pages, the player, the admin, the staff dashboard
and the API docs work under it with no violation (no script, style, image or request it blocks)."""

import os
import time

import pytest

from catalog.models import Album
from catalog.selectors import catalog_changed
from listening.services.playlists import playlist_create
from tests.e2e.conftest import CHROMIUM, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUDIO = "window.streamappPlayer.audio"
SCREENSHOTS = "/tmp/streamapp-csp"

# Reports every violation to the test, on every document the page loads (navigations included).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation([location.pathname, event.violatedDirective, event.blockedURI,
                          event.sourceFile + ":" + event.lineNumber, event.sample].join(" | "));
});
"""


@pytest.fixture
def staff_browser(live_server, staff_user, monkeypatch):
    """A headless Chromium page and the list of CSP violations and console errors it has seen so far."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(10_000)
        page.expose_function("reportViolation", lambda text: problems.append(f"violation: {text}"))
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                # A CSP refusal is logged as an error; a 404 or 409 answer is not the policy's doing.
                if (message.type == "error" and not message.text.startswith("Failed to load resource"))
                or "olicy" in message.text
                else None
            ),
        )
        yield page, problems
        browser.close()


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until `expression` is true in the page.

    Not page.wait_for_function: Playwright evaluates its predicate with eval, which this very policy
    forbids (page.evaluate goes through the DevTools protocol, which the policy doesn't govern).
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.1)


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "staff-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_pages_player_admin_dashboard_and_api_docs_run_under_the_csp(
    staff_browser, staff_user, audio_library, live_server
):
    page, problems = staff_browser
    os.makedirs(SCREENSHOTS, exist_ok=True)
    album, artist = audio_library.album, audio_library.artist
    # A cover whose file is gone: the image is removed by app.js (no inline onerror= under the CSP).
    Album.objects.filter(pk=album.pk).update(cover="covers/missing.jpg")
    catalog_changed()
    playlist = playlist_create(owner=staff_user, name="Evening", tracks=audio_library.tracks[:2])

    _log_in(page, live_server)
    assert problems == []
    # The browser took the Permissions-Policy: the player's features on, the others off.
    allowed = page.evaluate("document.featurePolicy.allowedFeatures()")
    assert {"autoplay", "fullscreen"} <= set(allowed)
    assert not {"camera", "microphone", "geolocation", "payment", "usb"} & set(allowed)

    # The album page, then the player: it plays, and keeps playing through boosted navigation.
    page.goto(live_server.url + album.get_absolute_url())
    wait_until(page, "document.querySelectorAll('img[src$=\"missing.jpg\"]').length === 0")
    page.get_by_role("button", name="Play album Test Album").click()
    wait_until(page, f"!{AUDIO}.paused && {AUDIO}.currentTime > 0.3")
    page.click(f'.page-header .meta a[href="{artist.get_absolute_url()}"]')  # htmx swaps #main
    wait_until(page, "document.title.startsWith('Test Artist')")
    clock = page.evaluate(f"{AUDIO}.currentTime")
    wait_until(page, f"!{AUDIO}.paused && {AUDIO}.currentTime > {clock + 0.3}")
    page.screenshot(path=f"{SCREENSHOTS}/artist.png")

    # The search box's suggestions (an htmx request with its own target) and the other page types.
    page.fill("#search-input", "first")
    page.wait_for_selector("#search-suggestions [role=option]")
    pages = [  # the other page types
        "/",
        "/search/?q=test",
        "/history/",
        playlist.get_absolute_url(),
        "/stats/",
        "/accounts/profile/",
    ]
    for path in pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    page.screenshot(path=f"{SCREENSHOTS}/profile.png", full_page=True)
    # The profile's import panels keep the rules that were an inline <style>.
    assert page.evaluate("getComputedStyle(document.querySelector('#api-token-value')).fontSize") == "13px"

    # The staff dashboard: Chart.js draws its charts (loaded by charts.js, a script of our own).
    page.goto(f"{live_server.url}/staff/analytics/")
    wait_until(
        page,
        "!!window.Chart && [...document.querySelectorAll('canvas[data-chart]')].every(Chart.getChart)",
    )
    page.screenshot(path=f"{SCREENSHOTS}/staff-analytics.png")

    # The admin: its index, a changelist with its filters and actions, a change form with its widgets.
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector("#streamapp-analytics")
    page.goto(f"{live_server.url}/admin/recommend/recommendationrun/")
    page.wait_for_selector("#changelist")
    page.goto(f"{live_server.url}/admin/catalog/album/{album.pk}/change/")
    page.wait_for_selector("#album_form")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=f"{SCREENSHOTS}/admin-album.png")

    # The API docs: Swagger UI starts from its script (a response of its own) and lists the operations.
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary", timeout=20_000)
    assert page.locator(".opblock").count() > 20
    page.locator(".opblock-summary").first.click()  # an operation opens
    page.wait_for_selector(".opblock-body")
    page.screenshot(path=f"{SCREENSHOTS}/api-docs.png")

    assert problems == []


def test_the_log_in_page_runs_under_the_csp(staff_browser, live_server):
    page, problems = staff_browser
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/login/")
    page.wait_for_load_state("networkidle")
    assert problems == []
