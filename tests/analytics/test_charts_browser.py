"""The chart component in a real browser: Chart.js draws every chart, on the first load, after a boosted
(htmx) navigation and after going back, with no script error; the numbers stay in the table."""

import os

import pytest

from tests.analytics import staff_world

CHROMIUM = "/usr/bin/chromium"
RANGE = "from=2026-11-02&to=2026-11-15"


@pytest.fixture
def staff_page(live_server, staff_user, transactional_db, django_user_model, settings, monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    staff_world.build(django_user_model)
    staff_world.roll_up(settings)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # bypass_csp: wait_for_function evaluates with eval, which the CSP forbids (tests/e2e/test_csp.py).
        page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page.set_default_timeout(10_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "staff")
        page.fill("#id_password", "staff-pass-1")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        yield page
        browser.close()
        assert errors == []


def _drawn(page) -> tuple[int, int]:
    """Return (charts Chart.js drew, canvases on the page) once every canvas has its chart."""
    page.wait_for_function(
        "() => window.Chart && document.querySelectorAll('canvas[data-chart]').length > 0 && "
        "[...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c)) && "
        # The swapped-out page's charts are destroyed as it leaves; on a loaded machine that may land
        # a moment after the new ones drew. A chart never destroyed still fails (a timeout).
        "Object.keys(Chart.instances).length === document.querySelectorAll('canvas[data-chart]').length"
    )
    return page.evaluate(
        "() => [Object.keys(Chart.instances).length, document.querySelectorAll('canvas[data-chart]').length]"
    )


def test_charts_draw_on_load_after_boosted_navigation_and_after_back(staff_page, live_server):
    page = staff_page
    page.goto(f"{live_server.url}/staff/analytics/?{RANGE}")
    charts, canvases = _drawn(page)
    assert charts == canvases == 5
    assert page.locator(".chart-title").first.inner_text() == "Daily active listeners"

    page.click(".dash-tabs a:has-text('Catalogue')")  # an htmx-boosted link: only #main is swapped
    page.wait_for_selector("h1:has-text('Catalogue')")
    charts, canvases = _drawn(page)
    assert charts == canvases == 5  # the listeners' charts were destroyed with their page

    page.go_back()
    page.wait_for_selector("h1:has-text('Listeners')")
    charts, canvases = _drawn(page)
    assert charts == canvases == 5

    # The numbers of a chart are in its table, opened from "Show the numbers".
    figure = page.locator("#chart-daily-active-listeners")
    figure.locator("summary").click()
    assert figure.locator("tbody tr").count() == 14
    assert figure.locator("tbody tr").nth(1).inner_text().split() == ["2026-11-03", "1", "1"]
