"""bench/http.py and its bare view: off unless asked for; arguments and pages without running the load."""

import importlib
import importlib.util
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import clear_url_caches

import streamapp.urls

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench_http():
    """Load bench/http.py as a module (its file name would shadow the http package if imported by name)."""
    spec = importlib.util.spec_from_file_location("bench_http", ROOT / "bench" / "http.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bare_view_routed():
    """Build the URL map as the benchmark's server does, with STREAMAPP_BENCH_BARE_VIEW on."""
    with override_settings(STREAMAPP_BENCH_BARE_VIEW=True):
        importlib.reload(streamapp.urls)
        clear_url_caches()
        yield
    importlib.reload(streamapp.urls)
    clear_url_caches()


def test_bare_view_is_off_by_default(user_client):
    assert settings.STREAMAPP_BENCH_BARE_VIEW is False
    assert user_client.get("/bench/bare/").status_code == 404


def test_bare_view_setting_is_false_when_the_environment_does_not_set_it(monkeypatch):
    from streamapp.settings.base import env_bool

    monkeypatch.delenv("STREAMAPP_BENCH_BARE_VIEW", raising=False)
    assert env_bool("STREAMAPP_BENCH_BARE_VIEW", False) is False


def test_bare_view_answers_the_username_when_routed(bare_view_routed, user_client, user):
    response = user_client.get("/bench/bare/")
    assert response.status_code == 200
    assert response.content.decode() == user.get_username()


def test_bare_view_still_needs_a_log_in(bare_view_routed, client):
    response = client.get("/bench/bare/")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)


def test_bench_defaults_are_sixteen_clients_on_its_own_database(bench_http):
    args = bench_http.parse_args([])
    assert args.clients == 16
    assert args.database == "streamapp_bench_http"
    assert args.workers == 2 * (os.cpu_count() or 1)
    assert args.min_listens == 1_000_000
    assert args.seconds == 10
    assert args.cold == 3  # cold views per page, after the caches were emptied
    assert bench_http.parse_args(["--cold", "0"]).cold == 0


def test_bench_rejects_zero_clients(bench_http):
    with pytest.raises(SystemExit):
        bench_http.parse_args(["--clients", "0"])


def test_bench_page_list_is_the_six_pages_then_the_bare_view(bench_http):
    pages = bench_http.page_list(
        username="listener0001", album_id=7, artist_id=3, query="neon horizon", playlist_uid="abc"
    )
    assert [(page.name, page.path) for page in pages] == [
        ("home", "/"),
        ("album", "/albums/7/"),
        ("artist", "/artists/3/"),
        ("search", "/search/?q=neon%20horizon"),
        ("recently played", "/history/"),
        ("playlist", "/playlists/abc/"),
        ("bare", "/bench/bare/"),
    ]
    assert all("listener0001" in page.marker for page in pages)


def test_bench_page_list_keeps_the_named_pages_and_the_bare_view(bench_http):
    pages = bench_http.page_list(
        username="u", album_id=1, artist_id=1, query="q", playlist_uid="p", only="search, home"
    )
    assert [page.name for page in pages] == ["home", "search", "bare"]
    with pytest.raises(ValueError, match="unknown pages: nope"):
        bench_http.page_list(username="u", album_id=1, artist_id=1, query="q", playlist_uid="p", only="nope")


def test_bench_refuses_sqlite(bench_http, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/streamapp.sqlite3")
    with pytest.raises(SystemExit, match="measures PostgreSQL"):
        bench_http.bench_database_url("streamapp_bench_http")


def test_bench_uses_its_own_database_on_the_same_server(bench_http, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/streamapp")
    url = bench_http.bench_database_url("streamapp_bench_http")
    assert url == "postgres://postgres@127.0.0.1:5432/streamapp_bench_http"


def test_bench_percentile_is_nearest_rank(bench_http):
    values = [float(value) for value in range(1, 101)]
    assert bench_http.percentile(values, 0.50) == 50.0
    assert bench_http.percentile(values, 0.95) == 95.0
