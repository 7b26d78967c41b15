"""Every kind of page, API answer and error carries a strict Content-Security-Policy (no inline or eval'd
script anywhere) and the Permissions-Policy; the browser side is tests/e2e/test_csp.py."""

import re

import pytest
from django.http import HttpResponse
from django.utils import timezone

from listening.services.playlists import playlist_create
from recommend.models import RecommendationRun
from streamapp.middleware import PermissionsPolicyMiddleware
from tests.catalog.factories import make_album, make_track

YEAR = timezone.now().year

# (name, client: "user" | "staff" | "anonymous", url; {album}, {artist}, {track}, {playlist}, {run} filled in)
PAGES = [
    ("home", "user", "/"),
    ("album", "user", "/albums/{album}/"),
    ("artist", "user", "/artists/{artist}/"),
    ("track", "user", "/tracks/{track}/"),
    ("genres", "user", "/genres/"),
    ("search", "user", "/search/?q=blue"),
    ("history", "user", "/history/"),
    ("playlist", "user", "/playlists/{playlist}/"),
    ("library", "user", "/playlists/"),
    ("liked songs", "user", "/library/liked/"),
    ("made for you", "user", "/made-for-you/"),
    ("taste picker", "user", "/made-for-you/start/"),
    ("profile", "user", "/accounts/profile/"),
    ("stats", "user", "/stats/"),
    ("year stats", "user", f"/stats/{YEAR}/"),
    ("staff analytics", "staff", "/staff/analytics/"),
    ("staff analytics catalogue", "staff", "/staff/analytics/catalogue/"),
    ("staff analytics playlists", "staff", "/staff/analytics/playlists/"),
    ("staff analytics quality", "staff", "/staff/analytics/quality/"),
    ("admin index", "staff", "/admin/"),
    ("admin changelist", "staff", "/admin/recommend/recommendationrun/"),
    ("admin change form", "staff", "/admin/recommend/recommendationrun/{run}/change/"),
    ("admin album change form", "staff", "/admin/catalog/album/{album}/change/"),
    ("admin log-in", "anonymous", "/admin/login/"),
    ("API docs", "anonymous", "/api/docs/"),
    ("API docs script", "anonymous", "/api/docs/?script="),
    ("API schema", "anonymous", "/api/schema/"),
    ("API JSON answer", "user", "/api/v1/albums/"),
    ("API browsable answer", "user", "/api/v1/albums/?format=api"),
    ("404 page", "user", "/albums/999999/"),
    ("log-in page", "anonymous", "/accounts/login/"),
    ("sign-up page", "anonymous", "/accounts/signup/"),
]


@pytest.fixture
def world(user):
    # A cover whose file is missing: pages write its <img> (and must not give it an inline onerror=).
    album = make_album("Kind of Blue", cover="covers/missing.jpg")
    track = make_track("So What", album=album)
    playlist = playlist_create(owner=user, name="Evening", tracks=[track])
    run = RecommendationRun.objects.create()
    return {
        "album": album.pk,
        "artist": album.artist_id,
        "track": track.pk,
        "playlist": playlist.uid,
        "run": run.pk,
    }


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "who", "url"), PAGES, ids=[page[0] for page in PAGES])
def test_every_page_type_sends_a_strict_csp_and_the_permissions_policy(
    name, who, url, world, client, user, staff_user
):
    if who != "anonymous":
        client.force_login(user if who == "user" else staff_user)
    response = client.get(url.format(**world))
    assert response.status_code == (404 if name == "404 page" else 200), response.content[:300]

    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no nonce is used: every script is a file of ours
    for directive in ("default-src", "style-src", "connect-src", "font-src", "base-uri", "form-action"):
        assert policy[directive] == ["'self'"], directive
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["media-src"] == ["'self'", "blob:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Only style attributes may be inline; never a script, never eval.
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert not any("unsafe" in value for value in policy["script-src"] + policy["default-src"])

    permissions = dict(item.split("=", 1) for item in response.headers["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "accelerometer", "gyroscope"):
        assert permissions[feature] == "()", feature
    assert permissions["autoplay"] == "(self)"
    assert permissions["fullscreen"] == "(self)"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "who", "url"), PAGES, ids=[page[0] for page in PAGES])
def test_no_page_type_has_an_inline_script_or_event_handler(name, who, url, world, client, user, staff_user):
    """What the policy would block: an inline <script> (data blocks aside), an on...= handler, a <style>."""
    if who != "anonymous":
        client.force_login(user if who == "user" else staff_user)
    response = client.get(url.format(**world))
    if not response["Content-Type"].startswith("text/html"):
        return
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html), re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html)
    assert "<style" not in html


def test_a_response_keeps_a_permissions_policy_of_its_own(rf, settings):
    settings.STREAMAPP_PERMISSIONS_POLICY = {"camera": [], "autoplay": ["self"]}
    own = PermissionsPolicyMiddleware(lambda request: HttpResponse(headers={"Permissions-Policy": "usb=()"}))
    assert own(rf.get("/"))["Permissions-Policy"] == "usb=()"
    default = PermissionsPolicyMiddleware(lambda request: HttpResponse())
    assert default(rf.get("/"))["Permissions-Policy"] == "camera=(), autoplay=(self)"


def test_an_empty_permissions_policy_sends_no_header(rf, settings):
    settings.STREAMAPP_PERMISSIONS_POLICY = {}
    middleware = PermissionsPolicyMiddleware(lambda request: HttpResponse())
    assert "Permissions-Policy" not in middleware(rf.get("/"))
