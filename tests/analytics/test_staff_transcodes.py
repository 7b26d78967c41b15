"""The staff "Streaming quality" page's transcode cache: real transcodes through /stream/, counted per
day, shown on the page, in the CSV and in the API, with the files ffmpeg could not read."""

import os

import pytest
from django.utils import timezone

from analytics import staff_stats
from tests.catalog.factories import make_audio_file, make_track
from tests.listening.transcode_helpers import body, make_audio, make_playable_track

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def real_today(monkeypatch):
    """The counters are kept per real day: the staff range must end today."""
    monkeypatch.setattr(staff_stats, "site_today", timezone.localdate)
    monkeypatch.setattr("analytics.forms_staff.site_today", timezone.localdate)


@pytest.fixture
def streamed(client, user, staff_user, tmp_path):
    """A listener streams one track twice at Normal quality (ffmpeg, then the cache) and asks for a
    broken file once."""
    track = make_playable_track(make_audio(tmp_path, "flac", noise=True), "flac")
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + os.urandom(64_000))
    broken_track = make_track(
        "Broken one",
        audio_file=make_audio_file(path=str(broken), format="flac", size=64_004, duration_ms=2500),
    )
    client.force_login(user)
    served = [body(client.get(f"/stream/{track.pk}/?quality=normal&format=mp3")) for _ in range(2)]
    assert served[0] == served[1] and len(served[0]) > 10_000
    assert client.get(f"/stream/{broken_track.pk}/?quality=normal").status_code == 422
    client.force_login(staff_user)
    return {"bytes": sum(len(item) for item in served), "broken": broken_track}


def range_query() -> str:
    today = timezone.localdate().isoformat()
    return f"from={today}&to={today}"


def test_the_page_shows_the_hit_ratio_size_bytes_and_failures(client, streamed):
    page = client.get(f"/staff/analytics/quality/?{range_query()}").content.decode()

    assert "Cache hit ratio" in page and "33.3 %" in page  # 1 hit of 3 transcoded answers
    assert "1 file now" in page
    assert "Files ffmpeg could not transcode" in page and "Broken one" in page
    assert "Transcoded streams per day" in page


def test_the_csv_and_the_api_count_the_same_day(client, streamed, django_assert_max_num_queries):
    csv = client.get(f"/staff/analytics/csv/transcodes/?{range_query()}").content.decode().splitlines()
    today = timezone.localdate().isoformat()
    assert csv[0] == "day,requests,cache_hits,cache_misses,hit_ratio_percent,bytes_served,errors"
    # Two ffmpeg runs (one failed), one answer from the cache.
    assert csv[1] == f"{today},3,1,2,33.3,{streamed['bytes']},1"

    with django_assert_max_num_queries(25):
        data = client.get(f"/api/v1/stats/quality/?{range_query()}").json()["transcodes"]
    assert (data["total"]["requests"], data["total"]["cache_hits"], data["total"]["errors"]) == (3, 1, 1)
    assert data["total"]["bytes_served"] == streamed["bytes"]
    assert data["cache_files"] == 1 and data["cache_bytes"] > 0
    assert [(f["track"], f["format"], f["count"]) for f in data["failures"]] == [("Broken one", "mp3", 1)]


def test_an_empty_range_shows_zeros_not_errors(client, staff_user):
    client.force_login(staff_user)
    page = client.get("/staff/analytics/quality/?preset=7d")
    assert page.status_code == 200
    assert "Every file transcoded so far." in page.content.decode()
    data = client.get("/api/v1/stats/quality/?preset=7d").json()["transcodes"]
    assert data["total"]["hit_ratio_percent"] is None and len(data["days"]) == 7
