"""Fixtures of the Subsonic API's tests: a listener with a Subsonic password, a small library with
real (tiny) audio files and a cover, and a caller that speaks the protocol."""

import hashlib
import json
import subprocess
from io import BytesIO

import pytest
from defusedxml import ElementTree as ET
from PIL import Image

from catalog import covers
from subsonic import services
from tests.catalog.factories import make_album, make_artist, make_audio_file, make_genre, make_track

PASSWORD = "sesame-subsonic"
NS = "{http://subsonic.org/restapi}"


@pytest.fixture
def subsonic_user(user):
    services.subsonic_password_set(user=user, password=PASSWORD)
    return user


def token_params(username: str = "listener", password: str = PASSWORD, salt: str = "c19b2d") -> dict:
    token = hashlib.md5((password + salt).encode(), usedforsecurity=False).hexdigest()
    return {"u": username, "t": token, "s": salt, "v": "1.16.1", "c": "tests"}


@pytest.fixture(scope="session")
def audio_bytes(tmp_path_factory) -> bytes:
    """Two seconds of a quiet tone as MP3, made once by ffmpeg."""
    path = tmp_path_factory.mktemp("audio") / "tone.mp3"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=2",
            "-b:a",
            "64k",
            str(path),
        ],
        check=True,
    )
    return path.read_bytes()


def _cover_name() -> str:
    out = BytesIO()
    Image.new("RGB", (300, 300), "teal").save(out, "PNG")
    source = out.getvalue()
    return covers.cover_store(source=source, checksum=hashlib.sha256(source).hexdigest())


@pytest.fixture
def library(tmp_path, audio_bytes):
    """Two artists, three albums (one with a cover), five songs with real MP3 files, two genres."""
    jazz, rock = make_genre("Jazz"), make_genre("Rock")
    miles = make_artist("Miles Davis")
    beatles = make_artist("The Beatles")
    kind = make_album("Kind of Blue", artist=miles, release_year=1959, cover=_cover_name())
    sketches = make_album("Sketches of Spain", artist=miles, release_year=1960)
    abbey = make_album("Abbey Road", artist=beatles, release_year=1969)
    songs = []
    for album, titles, genre in (
        (kind, ["So What", "Freddie Freeloader"], jazz),
        (sketches, ["Saeta"], jazz),
        (abbey, ["Come Together", "Something"], rock),
    ):
        for number, title in enumerate(titles, start=1):
            path = tmp_path / f"{album.pk}-{number}.mp3"
            path.write_bytes(audio_bytes)
            audio = make_audio_file(
                path=str(path), size=len(audio_bytes), bitrate=64_000, duration_ms=300_000
            )
            songs.append(
                make_track(
                    title,
                    album=album,
                    track_number=number,
                    duration_ms=300_000,
                    audio_file=audio,
                    genres=[genre],
                )
            )
    return {"artists": [miles, beatles], "albums": [kind, sketches, abbey], "songs": songs}


class Caller:
    """Calls /rest/<method> with the listener's token credentials; parses JSON or XML answers."""

    def __init__(self, client, params: dict):
        self.client, self.params = client, params

    def raw(self, method: str, *, post: bool = False, **params):
        data = {**self.params, **params}
        if post:
            return self.client.post(f"/rest/{method}.view", data)
        return self.client.get(f"/rest/{method}", data)

    def json(self, method: str, **params) -> dict:
        response = self.raw(method, **{"f": "json", **params})
        assert response.status_code == 200, response.content[:300]
        return json.loads(response.content)["subsonic-response"]

    def ok(self, method: str, **params) -> dict:
        body = self.json(method, **params)
        assert body["status"] == "ok", body
        return body

    def error(self, method: str, **params) -> dict:
        body = self.json(method, **params)
        assert body["status"] == "failed", body
        return body["error"]

    def xml(self, method: str, **params):
        response = self.raw(method, **params)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/xml")
        return ET.fromstring(response.content)


@pytest.fixture
def api(client, subsonic_user) -> Caller:
    return Caller(client, token_params())
