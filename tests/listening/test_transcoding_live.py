"""Transcodes over real sockets (the live server): shared ffmpeg runs, leaving clients, a dying leader.

ffmpeg reads its input at real-time speed here (tests/listening/transcode_helpers.real_time_ffmpeg),
so that a run lasts long enough for a second request to join it or a client to leave during it.
"""

import os
import signal
import socket
import threading
import time

import pytest

from listening.models import TranscodeDay

from .transcode_helpers import (
    ffmpeg_processes,
    ffmpeg_runs,
    make_audio,
    make_playable_track,
    real_time_ffmpeg,
    zombie_children,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(live_server, client, user, settings, tmp_path):
    """A 2 s FLAC track, a logged-in session, and ffmpeg at real-time speed; returns a GET function."""
    settings.STREAMAPP_FFMPEG = real_time_ffmpeg(tmp_path)
    source = make_audio(tmp_path, "flac", seconds=2, noise=True)
    track = make_playable_track(source, "flac", seconds=2)
    client.force_login(user)
    session = client.cookies["sessionid"].value
    host, port = live_server.thread.host, live_server.thread.port

    def connect(query: str) -> socket.socket:
        sock = socket.create_connection((host, port), timeout=20)
        sock.sendall(
            f"GET /stream/{track.pk}/?{query} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Cookie: sessionid={session}\r\nConnection: close\r\n\r\n".encode()
        )
        return sock

    return {"connect": connect, "source": source, "track": track, "folder": tmp_path}


def read_all(sock: socket.socket) -> bytes:
    """Read an answer to its end; return its body (chunked transfer decoded)."""
    data = b""
    while piece := sock.recv(65536):
        data += piece
    sock.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" not in head.lower():
        return rest
    body = b""
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        body, rest = body + rest[:size], rest[size + 2 :]
    return body


def read_some(sock: socket.socket) -> bytes:
    """Read until the answer's head and some of its body have arrived."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < 100:
        data += sock.recv(65536)
    return data


def wait_until(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def cached(settings) -> list:
    return list(settings.STREAMAPP_TRANSCODE_CACHE_DIR.rglob("*.mp3"))


def test_two_listeners_of_the_same_uncached_transcode_run_ffmpeg_once(setup, settings):
    first = setup["connect"]("quality=normal")
    read_some(first)  # the first request leads: ffmpeg runs
    second = setup["connect"]("quality=normal")
    bodies = {}
    threads = [
        threading.Thread(target=lambda name=name, sock=sock: bodies.__setitem__(name, read_all(sock)))
        for name, sock in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert ffmpeg_runs(setup["folder"]) == 1
    [cache_file] = cached(settings)
    assert bodies["second"] == cache_file.read_bytes()
    assert cache_file.read_bytes().endswith(bodies["first"][-1000:])


def test_a_closed_connection_leaves_no_ffmpeg_behind(setup, settings):
    sock = setup["connect"]("quality=normal")
    read_some(sock)
    assert ffmpeg_processes(setup["source"])

    sock.close()

    assert wait_until(lambda: not ffmpeg_processes(setup["source"]), seconds=5)
    assert wait_until(lambda: not zombie_children(), seconds=2)
    # The part file goes right after ffmpeg is reaped (transcoder._lead's finally): on a busy machine
    # the test can look in between.
    assert wait_until(lambda: not list(settings.STREAMAPP_TRANSCODE_CACHE_DIR.rglob("*.part")), seconds=5)
    assert cached(settings) == []
    assert wait_until(lambda: TranscodeDay.objects.filter(cache_misses=1).exists(), seconds=5)


def test_when_the_leader_leaves_its_follower_gets_the_whole_stream_and_it_is_cached(setup, settings):
    leader = setup["connect"]("quality=normal")
    read_some(leader)
    follower = setup["connect"]("quality=normal")
    received = {}
    thread = threading.Thread(target=lambda: received.__setitem__("body", read_all(follower)))
    thread.start()
    time.sleep(0.3)  # the follower is reading

    leader.close()
    thread.join(20)

    assert ffmpeg_runs(setup["folder"]) == 1  # the leader's ffmpeg finished into the cache
    [cache_file] = cached(settings)
    assert received["body"] == cache_file.read_bytes()
    assert len(received["body"]) > 20_000  # 2 s at 128 kbps


def test_when_the_leaders_ffmpeg_dies_the_follower_takes_over(setup, settings):
    leader = setup["connect"]("quality=normal")
    read_some(leader)
    follower = setup["connect"]("quality=normal")
    received = {}
    thread = threading.Thread(target=lambda: received.__setitem__("body", read_all(follower)))
    thread.start()
    time.sleep(0.3)

    [pid] = ffmpeg_processes(setup["source"])
    os.kill(pid, signal.SIGKILL)
    thread.join(20)
    read_all(leader)

    assert ffmpeg_runs(setup["folder"]) == 2  # the follower ran ffmpeg again, skipping what it had sent
    [cache_file] = cached(settings)
    assert received["body"] == cache_file.read_bytes()
    assert wait_until(lambda: not zombie_children(), seconds=2)
