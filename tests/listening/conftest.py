"""Fixtures of the listening tests: a small album to play, like, list and put in playlists."""

import pytest

from listening import tasks
from tests.catalog.factories import make_album, make_artist, make_track


@pytest.fixture
def album():
    """Kind of Blue by Miles Davis: three tracks of five minutes, numbered 1 to 3."""
    artist = make_artist("Miles Davis")
    album = make_album("Kind of Blue", artist=artist, release_year=1959)
    for number, title in enumerate(["So What", "Freddie Freeloader", "Blue in Green"], start=1):
        make_track(title, album=album, track_number=number, duration_ms=300_000)
    return album


@pytest.fixture
def tracks(album):
    """The album's tracks in order, with their album and artist loaded."""
    return list(album.tracks.select_related("album", "artist").order_by("track_number"))


@pytest.fixture
def upload_dir(settings, tmp_path):
    """Keep history uploads in the test's own folder."""
    settings.STREAMAPP_UPLOAD_DIR = tmp_path / "uploads"
    return settings.STREAMAPP_UPLOAD_DIR


@pytest.fixture
def queued(monkeypatch):
    """Record the imports queued on Celery instead of sending them to the broker."""
    calls = []
    monkeypatch.setattr(tasks.import_history, "delay", calls.append)
    return calls
