"""Take the README's screenshots of the main pages, at 1280 and 390 px, into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py                       # build a demo in var/, serve it, shoot
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000   # a demo already running

Without --url it runs `manage.py migrate` and `seed_demo --if-empty` (the first time about two minutes
on SQLite), starts `runserver` on a free port with the local settings and stops it at the end; set
STREAMAPP_VAR_DIR to build the demo elsewhere than var/. It logs in as the listener demo / demo (and as
admin / admin for the staff dashboard) and saves one PNG of the viewport (not the whole page) per page
and width, reduced to a palette of --colors colours (128) so that the set stays small.

The browser is Debian's Chromium (/usr/bin/chromium, `make browser`), driven by Playwright (a dev
dependency); it never downloads one of its own.
"""

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            # The address is ours or the operator's --url, checked to be http(s) in main().
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=5):  # noqa: S310
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: {url} did not answer within {seconds:.0f} s") from None
            time.sleep(0.5)


@contextlib.contextmanager
def demo_server():
    """Build the demo if needed and serve it with runserver; yield its base URL."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "streamapp.settings.local"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo", "--if-empty"], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def first_link(page, url: str, path: str, prefix: str) -> str:
    """Return the first link on `path` whose address starts with `prefix` (an album, a playlist...)."""
    page.goto(f"{url}{path}")
    href = page.locator(f'main a[href^="{prefix}"]').first.get_attribute("href")
    if not href:
        raise SystemExit(f"screenshots: no link to {prefix}... on {path}: is the demo built?")
    return href


def listener_pages(page, url: str, only: set[str] | None = None) -> dict[str, str]:
    """The listener's pages by screenshot name (only those in `only`, if given), from the demo's links."""
    pages = {
        "home": lambda: "/",
        "album": lambda: first_link(page, url, "/", "/albums/"),
        "artist": lambda: first_link(page, url, "/", "/artists/"),
        "search": lambda: "/search/?q=horizon",
        "made-for-you": lambda: "/made-for-you/",
        "playlist": lambda: first_link(page, url, "/made-for-you/", "/playlists/"),
        "history": lambda: "/history/",
        "stats": lambda: "/stats/",
        "player-settings": lambda: first_link(page, url, "/", "/albums/"),
    }
    return {name: find() for name, find in pages.items() if not only or name in only}


def open_player_settings(page) -> None:
    """Play the album, open the player's settings and "What's playing" (docs/player.md)."""
    page.locator("main .play-big").first.click()
    page.locator('#player[data-state="playing"]').wait_for()
    if page.viewport_size["width"] < 760:
        page.click("#player .player-expand")
    page.click("#player .player-settings-button")
    page.click("#player-settings .player-settings-info-button")
    # The stream's format arrives from the stream-info API (wait_for_function's eval is refused by the CSP).
    page.locator("#player-now-info dd", has_text="…").wait_for(state="detached")


ACTIONS = {"player-settings": open_player_settings}


def shoot(page, url: str, path: str, target: Path, *, colors: int, action=None) -> None:
    page.goto(f"{url}{path}")
    page.wait_for_load_state("networkidle")
    if action:
        action(page)
    page.wait_for_timeout(600)  # charts and covers settle
    page.screenshot(path=str(target))
    image = Image.open(target).convert("RGB")
    image.quantize(colors=colors, method=Image.Quantize.FASTOCTREE).save(target, optimize=True)


def take(url: str, out: Path, *, colors: int, only: set[str] | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for account, password in (("demo", "demo"), ("admin", "admin")):
            if only and account == "admin" and "staff-dashboard" not in only:
                continue
            for label, (width, height) in WIDTHS.items():
                viewport = {"width": width, "height": height}
                context = browser.new_context(viewport=viewport, reduced_motion="reduce")
                page = context.new_page()
                page.set_default_timeout(30_000)
                log_in(page, url, account, password)
                if account == "demo":
                    pages = listener_pages(page, url, only)
                else:
                    pages = {"staff-dashboard": "/staff/analytics/"}
                    pages = {name: path for name, path in pages.items() if not only or name in only}
                for name, path in pages.items():
                    target = out / f"{name}-{label}.png"
                    shoot(page, url, path, target, colors=colors, action=ACTIONS.get(name))
                    written.append(target)
                    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
                    print(f"{shown}  {path}  {target.stat().st_size // 1024} KB")
                context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running demo (default: build one and start runserver)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--colors", type=int, default=128, help="palette size of the PNGs (2 to 256)")
    parser.add_argument("--only", action="append", metavar="NAME", help="only this screenshot (repeatable)")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        raise SystemExit("screenshots: Chromium is missing: run `make browser` (apt-get install chromium)")
    if args.url:
        if not args.url.startswith(("http://", "https://")):
            raise SystemExit("screenshots: --url must start with http:// or https://")
        wait_until_up(args.url.rstrip("/"))
        written = take(args.url.rstrip("/"), args.out, colors=args.colors, only=set(args.only or ()))
    else:
        with demo_server() as url:
            written = take(url, args.out, colors=args.colors, only=set(args.only or ()))
    total = sum(path.stat().st_size for path in written)
    print(f"{len(written)} screenshots, {total // 1024} KB in all, in {args.out}")


if __name__ == "__main__":
    main()
