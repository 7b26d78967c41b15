"""deploy/nginx.conf in front of deploy/gunicorn.conf.py, through real sockets (see conftest.py).

Run once, on SQLite: they test the front, not the database.
"""

import gzip
import http.client
import re
import socket
import time
from pathlib import Path

import pytest
from django.conf import settings

from accounts.services import api_token_get_or_create
from tests.catalog.factories import make_audio_file, make_track
from tests.listening.transcode_helpers import make_audio, make_playable_track

pytestmark = [
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="the nginx front is tested once, on SQLite",
    ),
    pytest.mark.usefixtures("transactional_db"),
]

CONTENT = bytes(range(256)) * 40  # 10,240 bytes whose every offset is recognisable


def get(front, path: str, headers: dict | None = None, method: str = "GET", timeout: float = 5):
    """Return (response, body) for a request through nginx."""
    conn = http.client.HTTPConnection("127.0.0.1", front.port, timeout=timeout)
    try:
        conn.request(method, path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def gunicorn_lines(front, path: str, *, at_least: int = 0) -> list[str]:
    """Gunicorn's access-log lines for the path (its default format: `"GET /x HTTP/1.0" 200 0`).

    A line is written just after its response: wait (2 s at most) until there are `at_least`.
    """
    deadline = time.monotonic() + 2
    while True:
        lines = [line for line in front.gunicorn_log.read_text().splitlines() if f" {path} HTTP/" in line]
        if len(lines) >= at_least or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def audio_track(path: Path, content: bytes = CONTENT, mime_type: str = "audio/mpeg"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    audio = make_audio_file(path=str(path), size=len(content), mime_type=mime_type)
    return make_track(audio_file=audio)


@pytest.fixture
def token(user):
    return api_token_get_or_create(user=user)


def test_a_range_of_audio_is_served_by_nginx_from_the_file(front, tmp_path, token):
    track = audio_track(tmp_path / "song.mp3")
    stream = f"/stream/{track.pk}/"

    response, body = get(front, stream, {"Authorization": f"Token {token}", "Range": "bytes=100-199"})

    assert response.status == 206
    assert body == CONTENT[100:200]
    assert response.getheader("Content-Range") == f"bytes 100-199/{len(CONTENT)}"
    assert response.getheader("Content-Type") == "audio/mpeg"
    assert response.getheader("Cache-Control") == "private, max-age=3600"
    # Django answered with an empty body (the X-Accel-Redirect hand-off); nginx sent the bytes.
    assert re.search(r'"GET /stream/\d+/ HTTP/1\.0" 200 0 ', gunicorn_lines(front, stream, at_least=1)[-1])


def test_audio_whose_path_needs_escaping_is_served(front, tmp_path, token):
    # Music libraries are full of accents, spaces, '#', '%' and '?' in their names.
    track = audio_track(tmp_path / "Sigur Rós" / "Ágætis byrjun" / "01 Svefn-g-englar #1 100%?.mp3")

    response, body = get(
        front, f"/stream/{track.pk}/", {"Authorization": f"Token {token}", "Range": "bytes=0-9"}
    )

    assert (response.status, body) == (206, CONTENT[:10])


def test_audio_keeps_the_type_django_gave_it(front, tmp_path, token):
    # nginx's mime.types knows no FLAC: the type must be Django's, not one guessed from the name.
    track = audio_track(tmp_path / "song.flac", mime_type="audio/flac")

    response, _ = get(front, f"/stream/{track.pk}/", {"Authorization": f"Token {token}"})

    assert (response.status, response.getheader("Content-Type")) == (200, "audio/flac")


def test_conditional_audio_requests_are_answered_by_nginx(front, tmp_path, token):
    track = audio_track(tmp_path / "song.mp3")
    auth = {"Authorization": f"Token {token}"}
    first, _ = get(front, f"/stream/{track.pk}/", auth)
    etag = first.getheader("ETag")

    cached, body = get(front, f"/stream/{track.pk}/", {**auth, "If-None-Match": etag})
    stale_range, whole = get(
        front, f"/stream/{track.pk}/", {**auth, "Range": "bytes=0-9", "If-Range": '"stale"'}
    )

    assert (cached.status, body) == (304, b"")
    assert (stale_range.status, whole) == (200, CONTENT)


def test_an_anonymous_stream_is_401(front, tmp_path):
    track = audio_track(tmp_path / "song.mp3")

    response, body = get(front, f"/stream/{track.pk}/", {"Range": "bytes=0-9"})

    assert response.status == 401
    assert b"Log in" in body


def test_the_internal_audio_location_is_not_reachable_from_outside(front, tmp_path):
    song = tmp_path / "song.mp3"
    song.write_bytes(CONTENT)

    response, _ = get(front, "/_audio" + str(song))

    assert response.status == 404


def test_static_files_are_served_with_cache_headers(front):
    css = b"body { color: #123456; }\n" * 100
    folder = front.static_root / "streamapp"
    folder.mkdir(exist_ok=True)
    (folder / "app.0123456789ab.css").write_bytes(css)
    # collectstatic's compressed copy (WhiteNoise writes one beside each text file): sent as it is.
    precompressed = gzip.compress(css, compresslevel=9, mtime=0)
    (folder / "app.0123456789ab.css.gz").write_bytes(precompressed)
    (folder / "robots.txt").write_bytes(b"User-agent: *\n")

    hashed, body = get(front, "/static/streamapp/app.0123456789ab.css")
    plain, _ = get(front, "/static/streamapp/robots.txt")
    zipped, zipped_body = get(
        front, "/static/streamapp/app.0123456789ab.css", {"Accept-Encoding": "gzip"}
    )

    assert (hashed.status, body) == (200, css)
    assert hashed.getheader("Content-Type") == "text/css"
    assert hashed.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert hashed.getheader("X-Content-Type-Options") == "nosniff"
    assert plain.status == 200
    assert plain.getheader("Cache-Control") == "public, max-age=3600"
    assert zipped.getheader("Content-Encoding") == "gzip"
    assert zipped_body == precompressed
    _, plain_zipped_body = get(front, "/static/streamapp/robots.txt", {"Accept-Encoding": "gzip"})
    assert plain_zipped_body == b"User-agent: *\n"  # below gzip_min_length: not worth compressing
    assert gunicorn_lines(front, "/static/streamapp/app.0123456789ab.css") == []


def test_covers_are_public_and_nothing_else_under_media_is(front):
    cover = front.media_root / "covers" / "ab" / ("ab" + "0" * 62 + ".jpg")
    cover.parent.mkdir(parents=True)
    cover.write_bytes(b"\xff\xd8\xff a cover")
    secret = front.media_root / "var" / "recommend" / "model.joblib"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"private")
    demo = front.media_root / "demo-library" / "a.mp3"
    demo.parent.mkdir(parents=True)
    demo.write_bytes(CONTENT)

    response, body = get(front, "/media/covers/ab/" + cover.name)

    assert (response.status, body) == (200, b"\xff\xd8\xff a cover")
    assert response.getheader("Content-Type") == "image/jpeg"
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert get(front, "/media/var/recommend/model.joblib")[0].status == 404
    assert get(front, "/media/demo-library/a.mp3")[0].status == 404
    assert get(front, "/media/covers/../var/recommend/model.joblib")[0].status in (400, 404)


def test_an_upload_above_the_limit_is_413_before_its_body_is_sent(front, user):
    path = "/history/import/"
    with socket.create_connection(("127.0.0.1", front.port), timeout=5) as conn:
        conn.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: {300 * 2**20}\r\n\r\n"
            ).encode()
        )
        answer = conn.recv(4096)  # nothing of the 300 MB was sent

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert gunicorn_lines(front, path) == []
    # A small one does reach Django (and its log), which answers it (here: anonymous, to the log-in).
    small, _ = get(front, path, method="POST", headers={"Content-Length": "0"})
    assert small.status == 302 and "/accounts/login/" in small.headers["Location"]
    assert len(gunicorn_lines(front, path, at_least=1)) == 1


def test_pages_are_gzipped_and_security_headers_are_not_doubled(front):
    response, body = get(front, "/accounts/login/", {"Accept-Encoding": "gzip"})

    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert b"<form" in gzip.decompress(body)
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert len(response.msg.get_all(name)) == 1, name


def _slow_header_client(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slo")
    return conn


def _slow_reader(port: int, path: str, token: str) -> tuple[socket.socket, bytes]:
    """A client that asks for the path, reads its first kilobyte and stalls (a 4 KB receive buffer).

    Return the socket and the kilobyte (the response's headers).
    """
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.settimeout(5)
    reader.connect(("127.0.0.1", port))
    reader.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n\r\n".encode()
    )
    head = reader.recv(1024)
    assert head.startswith(b"HTTP/1.1 200 ")
    return reader, head


def _timed_page(port: int, timeout: float) -> float:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        assert response.status == 200
        response.read()
    finally:
        conn.close()
    return time.monotonic() - started


BIG = bytes(range(256)) * (32 * 4096)  # 32 MiB: more than the kernel's socket buffers hold


def test_slow_clients_do_not_hold_the_only_gunicorn_worker(front, tmp_path, token):
    big = audio_track(tmp_path / "big.mp3", BIG)
    slow = []
    try:
        # Four clients sending their headers very slowly...
        slow += [_slow_header_client(front.port) for _ in range(4)]
        # ...one sending its body very slowly (to a view that reads it: ListenBrainz's submit)...
        body_client = socket.create_connection(("127.0.0.1", front.port), timeout=5)
        body_client.sendall(
            f"POST /1/submit-listens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"listen_type": '.encode()
        )
        slow.append(body_client)
        # ...and one reading a big track very slowly.
        slow.append(_slow_reader(front.port, f"/stream/{big.pk}/", token)[0])
        for conn in slow[:5]:
            conn.sendall(b"w")  # still there, still slow

        # With one sync worker, pages through nginx are served at once meanwhile (a page takes some
        # 20 ms; the margin is for a busy test machine).
        assert max(_timed_page(front.port, timeout=5) for _ in range(3)) < 2

        # Gunicorn on its own is held by a single slow client: the same page gets no answer.
        slow.append(_slow_header_client(front.gunicorn_port))
        with pytest.raises(TimeoutError):
            _timed_page(front.gunicorn_port, timeout=2)
    finally:
        for conn in slow:
            conn.close()


def test_a_slow_reader_of_a_big_response_from_django_does_not_hold_the_worker(
    front_without_x_accel, tmp_path, token
):
    # Without the X-Accel-Redirect prefix Django streams the audio itself: nginx takes the whole
    # response from gunicorn (into a temporary file) while the client reads at its own pace.
    front = front_without_x_accel
    big = audio_track(tmp_path / "big.mp3", BIG)
    stream = f"/stream/{big.pk}/"
    reader, head = _slow_reader(front.port, stream, token)
    try:
        assert f"-{len(BIG)}-".encode() in head  # Django's ETag: the bytes come from Django
        assert max(_timed_page(front.port, timeout=5) for _ in range(3)) < 2
        # gunicorn logs a request once it has sent all of its response; the client has read 1 KB.
        assert len(gunicorn_lines(front, stream, at_least=1)) == 1
    finally:
        reader.close()


def test_a_transcode_streams_through_nginx_then_nginx_serves_it_from_the_cache(front, tmp_path, token):
    source = make_audio(tmp_path, "flac", seconds=2, noise=True)
    track = make_playable_track(source, "flac", seconds=2)
    stream, auth = f"/stream/{track.pk}/?quality=low", {"Authorization": f"Token {token}"}

    first, transcoded = get(front, stream, auth)
    again, cached = get(front, stream, {**auth, "Range": "bytes=100-199"})

    assert first.status == 200
    assert first.getheader("Content-Type") == "audio/mpeg"
    assert (first.getheader("X-Stream-Transcoded"), first.getheader("X-Stream-Cached")) == ("1", "0")
    assert transcoded[:2] in (b"\xff\xfb", b"\xff\xf3")  # an MPEG audio frame
    assert again.status == 206
    assert cached == transcoded[100:200]
    assert again.getheader("X-Accel-Redirect") is None
    assert (again.getheader("X-Stream-Format"), again.getheader("X-Stream-Bitrate")) == ("mp3", "64")
    assert (again.getheader("X-Stream-Transcoded"), again.getheader("X-Stream-Cached")) == ("1", "1")


def test_a_clients_own_remote_user_header_never_reaches_django(front, user):
    spoofed = {"Remote-User": user.username, "Remote-Groups": "admins"}
    response, _ = get(front, "/accounts/profile/", headers=spoofed)
    assert response.status == 302 and response.getheader("Location").startswith("/accounts/login/")
    # The same header straight to gunicorn, from the trusted address, logs in: nginx's clearing is what
    # keeps it out.
    conn = http.client.HTTPConnection("127.0.0.1", front.gunicorn_port, timeout=5)
    try:
        conn.request("GET", "/accounts/profile/", headers={"Host": "127.0.0.1", **spoofed})
        assert conn.getresponse().status == 200
    finally:
        conn.close()
