"""The account pages of issue 15 in headless Chromium at 1280 and 390 px: styled, nothing overflows.

Set STREAMAPP_SCREENSHOT_DIR to keep the screenshots (to look at them); otherwise they go to tmp_path.
"""

import os
import re
from pathlib import Path

import pytest
from django.core import mail

from accounts.models import Invitation
from tests.e2e.conftest import CHROMIUM, launch_chromium

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture
def chromium(live_server, monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def shoot(browser, url, name, out: Path, *, login=None) -> None:
    for device, (width, height) in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": height})
        if login:
            page.goto(login[0])
            page.fill("#id_username", login[1])
            page.fill("#id_password", login[2])
            page.click("button[type=submit]")
            page.wait_for_load_state()
        page.goto(url)
        # The product's style sheet is applied and nothing is wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, device)
        assert page.locator("link[href*='app']").count() >= 1
        page.screenshot(path=str(out / f"{name}-{device}.png"), full_page=True)
        page.close()


def test_account_pages_at_desktop_and_phone_widths(
    chromium, live_server, settings, tmp_path, user, staff_user
):
    out = Path(os.environ.get("STREAMAPP_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    settings.STREAMAPP_SIGNUP = "invite"
    invitation = Invitation.objects.create(created_by=staff_user, email="friend@example.org")
    shoot(chromium, base + invitation.get_absolute_url(), "signup-invited", out)
    shoot(chromium, base + "/accounts/signup/", "signup-invite-only", out)
    settings.STREAMAPP_SIGNUP = "closed"
    shoot(chromium, base + "/accounts/signup/", "signup-closed", out)
    shoot(chromium, base + "/accounts/password-reset/", "password-reset", out)
    user.email = "listener@example.org"
    user.save()
    for device, (width, height) in WIDTHS.items():
        # The link is followed in the page that asked for it: Django keeps its token in that session.
        page = chromium.new_page(viewport={"width": width, "height": height})
        page.goto(base + "/accounts/password-reset/")
        page.fill("#id_email", "listener@example.org")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/accounts/password-reset/sent/")
        page.screenshot(path=str(out / f"password-reset-sent-{device}.png"))
        link = re.search(r"https?://\S+/accounts/password-reset/\S+/", mail.outbox[-1].body).group(0)
        page.goto(link)
        assert page.locator("#id_revoke").is_checked()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(out / f"password-reset-confirm-{device}.png"), full_page=True)
        page.close()
    shoot(
        chromium,
        base + "/accounts/profile/#password",
        "profile-password",
        out,
        login=(base + "/accounts/login/", "listener", "listener-pass-1"),
    )
