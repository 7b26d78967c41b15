"""A cache outage is a slower site, never an error (streamapp.cache.ResilientRedisCache).

With CACHES at a closed port, then at a real redis-server that goes away and comes back: log-in through
the form, every main page, the ListenBrainz API, API writes and streaming all answer 2xx/3xx.
"""

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from analytics import rollups
from listening.models import Listen, Playlist, TrackLike
from tests.catalog.factories import make_album, make_artist, make_audio_file, make_track

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "listener-pass-1"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_caches(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "streamapp.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "outage-test",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


@pytest.fixture
def production_like(settings):
    """Sessions as in production (cached_db), short retry interval so a test sees Redis come back."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.STREAMAPP_CACHE_RETRY_SECONDS = 0.5
    return settings


@pytest.fixture
def library(tmp_path):
    artist = make_artist("Nina Simone")
    album = make_album("Pastel Blues", artist=artist, release_year=1965)
    path = tmp_path / "song.mp3"
    path.write_bytes(b"ID3" + bytes(4000))
    audio = make_audio_file(path=str(path), size=4003, mime_type="audio/mpeg")
    tracks = [
        make_track("Be My Husband", album=album, track_number=1, audio_file=audio),
        make_track("Sinnerman", album=album, track_number=2),
    ]
    return artist, album, tracks


@pytest.fixture
def listener(django_user_model):
    return django_user_model.objects.create_user(username="listener", password=PASSWORD, is_staff=True)


def exercise_the_site(client, user, library) -> list[tuple[str, int]]:
    """Log in through the form, open every main page, submit a listen, like, create a playlist, stream;
    return (what, status) of each answer."""
    artist, album, tracks = library
    answers = []

    def note(what, response):
        answers.append((what, response.status_code))
        return response

    note("log-in form", client.get(reverse("accounts:login")))
    logged_in = note(
        "log in", client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    )
    assert logged_in.status_code == 302, logged_in.content[:500]
    playlist = Playlist.objects.create(owner=user, name="Evening")
    year = timezone.now().year
    for what, url in (
        ("home", "/"),
        ("album", reverse("catalog:album", args=[album.pk])),
        ("artist", reverse("catalog:artist", args=[artist.pk])),
        ("search", reverse("catalog:search") + "?q=nina"),
        ("history", reverse("listening:history")),
        ("playlist", reverse("listening:playlist", args=[playlist.uid])),
        ("stats", reverse("analytics:stats")),
        ("stats year", reverse("analytics:year", args=[year])),
        ("staff dashboard", reverse("analytics-staff:overview")),
        ("profile", reverse("accounts:profile")),
    ):
        note(what, client.get(url))
    token = account_services.api_token_get_or_create(user=user)
    document = {
        "listen_type": "single",
        "payload": [
            {
                "listened_at": int(time.time()) - 600,
                "track_metadata": {"artist_name": "Nina Simone", "track_name": "Sinnerman"},
            }
        ],
    }
    note(
        "submit-listens",
        client.generic(
            "POST",
            "/1/submit-listens",
            json.dumps(document).encode(),
            content_type="application/json",
            headers={"Authorization": f"Token {token}"},
        ),
    )
    note("like", client.put(f"/api/v1/likes/track/{tracks[0].pk}/"))
    note(
        "playlist create",
        client.post(
            "/api/v1/playlists/",
            {"name": "Road trip", "track_ids": [tracks[1].pk]},
            content_type="application/json",
        ),
    )
    streamed = note("stream", client.get(reverse("listening:stream", args=[tracks[0].pk])))
    if streamed.streaming:
        b"".join(streamed.streaming_content)
    return answers


def assert_all_served(answers):
    failed = [(what, status) for what, status in answers if not 200 <= status < 400]
    assert not failed, failed


def test_the_site_works_with_the_cache_at_a_closed_port(client, production_like, listener, library):
    production_like.CACHES = redis_caches(free_port())
    # The site's outage is logged, not raised.
    answers = exercise_the_site(client, listener, library)
    assert_all_served(answers)
    assert Listen.objects.filter(user=listener, track_name="Sinnerman").exists()
    assert TrackLike.objects.filter(user=listener).exists()
    assert Playlist.objects.filter(owner=listener, name="Road trip").exists()


def test_a_silent_redis_costs_one_timeout_per_retry_interval_and_one_log_line(production_like, caplog):
    # A server that accepts connections and never answers: every call would wait for the socket timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    accepted = []
    threading.Thread(
        target=lambda: [accepted.append(silent.accept()) for _ in range(64)], daemon=True
    ).start()
    production_like.CACHES = redis_caches(silent.getsockname()[1])
    production_like.STREAMAPP_CACHE_RETRY_SECONDS = 30
    try:
        with caplog.at_level(logging.WARNING, logger="streamapp.cache"):
            began = time.monotonic()
            for n in range(50):
                assert cache.get(f"k{n}", "missing") == "missing"
                cache.set(f"k{n}", n)
                assert cache.add(f"a{n}", 0) is True
                assert cache.incr(f"a{n}") == 1
                assert cache.get_many([f"k{n}"]) == {}
                cache.delete(f"k{n}")
            elapsed = time.monotonic() - began
    finally:
        silent.close()
    assert elapsed < 1.0  # one 0.2 s timeout, then the breaker skips Redis
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "Cache unreachable" in caplog.records[0].getMessage()


@pytest.fixture
def redis_server(tmp_path):
    """A real redis-server on a free port: start() / stop() it at will."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()

    class Server:
        process = None

        def start(self):
            self.process = subprocess.Popen(  # noqa: S603 - our own fixed arguments
                [
                    binary,
                    *f"--port {port} --bind 127.0.0.1 --appendonly no".split(),
                    "--save",
                    "",
                    "--dir",
                    tmp_path,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    return
                except OSError:
                    time.sleep(0.05)
            raise RuntimeError("redis-server did not start")

        def stop(self):
            self.process.kill()
            self.process.wait()

    server = Server()
    server.port = port
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_the_site_keeps_working_when_redis_goes_away_and_comes_back(
    client, production_like, listener, library, redis_server, caplog
):
    production_like.CACHES = redis_caches(redis_server.port)
    assert_all_served(exercise_the_site(client, listener, library))
    key = "outage-test:kept"
    cache.set(key, listener.pk)
    assert cache.get(key) is not None  # Redis is up: an entry is kept

    redis_server.stop()
    # The session lives on in the database; the same client, still logged in, is served.
    began = time.monotonic()
    answers = [(what, client.get(url).status_code) for what, url in (("home", "/"), ("history", "/history/"))]
    assert_all_served(answers)
    assert time.monotonic() - began < 2
    client.logout()
    assert_all_served(exercise_the_site(client, listener, library))
    # Log-in protection keeps its counts in the database: a wrong password is a form error, not a 500.
    wrong = Client().post("/accounts/login/", {"username": listener.username, "password": "not-it"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    # A delete dropped while Redis was down (a change that forgets a cached entry).
    cache.delete(key)

    redis_server.start()
    time.sleep(production_like.STREAMAPP_CACHE_RETRY_SECONDS + 0.1)
    # The first call that reaches Redis deletes the keys of the writes it missed: no stale entry.
    assert cache.get(key) is None
    cache.set("back", 1)
    assert cache.get("back") == 1
    assert_all_served(exercise_the_site(client, listener, library))
    messages = [r.getMessage() for r in caplog.records if r.name == "streamapp.cache"]
    assert len([m for m in messages if m.startswith("Cache unreachable")]) == 1, messages
    assert len([m for m in messages if m.startswith("Cache reachable again")]) == 1, messages


def test_rollup_pages_and_rate_limits_work_without_the_cache(client, production_like, listener, library):
    """The ListenBrainz limiter counts in the cache: without it every request is allowed (fail open)."""
    production_like.CACHES = redis_caches(free_port())
    token = account_services.api_token_get_or_create(user=listener)
    production_like.STREAMAPP_LISTENBRAINZ_RATE_LIMIT = 2
    for _ in range(5):
        answer = client.get("/1/validate-token", headers={"Authorization": f"Token {token}"})
        assert answer.status_code == 200
    rollups.rollup_run(lag_seconds=0)
    client.force_login(listener)
    assert client.get(reverse("analytics-staff:overview")).status_code == 200


def test_a_redis_cache_url_selects_the_resilient_backend_with_short_timeouts():
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CACHES['default']))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "streamapp.settings.local",
        "CACHE_URL": "redis://127.0.0.1:1/3",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    chosen = json.loads(result.stdout.strip().splitlines()[-1])
    assert chosen["BACKEND"] == "streamapp.cache.ResilientRedisCache"
    assert chosen["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def test_without_the_cache_a_version_is_fresh_each_time_never_a_shared_none(production_like):
    from catalog import selectors as catalog_selectors

    production_like.CACHES = redis_caches(free_port())
    first = catalog_selectors.cache_version("catalog:version")
    second = catalog_selectors.cache_version("catalog:version")
    assert first and second and first != second  # nothing is read back under a made-up version
