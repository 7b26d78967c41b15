"""GET /stream/<id>/?quality=..: real transcodes of real short files, the cache, errors and counters."""

import os
import time

import pytest
from rest_framework.authtoken.models import Token

from listening import selectors, services, transcoder
from listening.models import TranscodeDay, TranscodeFailure
from listening.transcoding import OUTPUT_FORMATS
from tests.catalog.factories import make_audio_file, make_track

from .transcode_helpers import (
    body,
    ffmpeg_processes,
    make_audio,
    make_playable_track,
    probe,
    real_time_ffmpeg,
    zombie_children,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """A 2.5 s MP3 (192 kbps), FLAC (noise: about 1,400 kbps) and M4A (AAC, 192 kbps)."""
    folder = tmp_path_factory.mktemp("sources")
    return {kind: make_audio(folder, kind, noise=kind == "flac") for kind in ("mp3", "flac", "m4a")}


def cache_files(settings) -> list:
    root = settings.STREAMAPP_TRANSCODE_CACHE_DIR
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in (".lock", ".readers"))


@pytest.mark.parametrize("source", ["mp3", "flac", "m4a"])
@pytest.mark.parametrize(
    ("fmt", "codec", "container"), [("opus", "opus", "ogg"), ("mp3", "mp3", "mp3"), ("aac", "aac", "aac")]
)
def test_each_input_is_transcoded_to_each_format(
    user_client, sources, tmp_path, source, fmt, codec, container
):
    track = make_playable_track(sources[source], source)

    response = user_client.get(f"/stream/{track.pk}/?quality=low&format={fmt}")

    assert response.status_code == 200
    assert response["X-Stream-Transcoded"] == "1"
    assert response["X-Stream-Format"] == fmt
    assert response["X-Stream-Bitrate"] == "64"
    assert response["X-Stream-Cached"] == "0"
    output = tmp_path / f"out.{fmt}"
    output.write_bytes(body(response))
    found = probe(output)
    assert found["codec"] == codec
    assert container in found["format"]["format_name"]
    kbps = len(output.read_bytes()) * 8 / float(found["format"]["duration"]) / 1000
    assert 40 < kbps < 90  # 64 kbps, give or take the container and a short file's edges


def test_the_original_is_served_when_it_already_fits(user_client, sources):
    track = make_playable_track(sources["mp3"], "mp3", bitrate=192_000)

    response = user_client.get(f"/stream/{track.pk}/?quality=high&format=opus")  # 256 kbps > 192

    assert response.status_code == 200
    assert response["X-Stream-Transcoded"] == "0"
    assert response["X-Stream-Format"] == "mp3"
    assert response["X-Stream-Bitrate"] == "192"
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == sources["mp3"].read_bytes()


def test_a_transcode_never_has_a_higher_bitrate_than_the_original(user_client, sources):
    # An M4A of 100 kbps asked at 256 kbps as Opus: the original plays in browsers, it is served.
    track = make_playable_track(sources["m4a"], "m4a", bitrate=100_000)
    response = user_client.get(f"/stream/{track.pk}/?bitrate=256&format=opus")
    assert response["X-Stream-Transcoded"] == "0"
    assert response["X-Stream-Bitrate"] == "100"


def test_lossless_is_transcoded_at_the_preset_and_original_stays_original(user_client, sources):
    track = make_playable_track(sources["flac"], "flac")
    original = user_client.get(f"/stream/{track.pk}/")
    assert original["X-Stream-Transcoded"] == "0"
    assert original["X-Stream-Format"] == "flac"
    normal = user_client.get(f"/stream/{track.pk}/?quality=normal")
    assert (normal["X-Stream-Format"], normal["X-Stream-Bitrate"]) == ("mp3", "128")
    assert normal["Content-Type"] == "audio/mpeg"
    body(normal)


def test_a_finished_transcode_is_cached_and_served_with_ranges_and_etag(user_client, sources, settings):
    track = make_playable_track(sources["flac"], "flac")
    url = f"/stream/{track.pk}/?quality=normal&format=opus"
    first = body(user_client.get(url))
    [cached] = cache_files(settings)
    assert cached.read_bytes() == first

    whole = user_client.get(url)
    assert whole["X-Stream-Cached"] == "1"
    assert whole["Content-Length"] == str(len(first))
    assert body(whole) == first
    part = user_client.get(url, HTTP_RANGE="bytes=100-1099")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-1099/{len(first)}"
    assert body(part) == first[100:1100]
    assert user_client.get(url, HTTP_IF_NONE_MATCH=whole["ETag"]).status_code == 304

    day = TranscodeDay.objects.get()
    assert (day.requests, day.cache_hits, day.cache_misses, day.errors) == (4, 3, 1, 0)
    assert day.bytes_served == 2 * len(first) + 1000


def test_a_cached_transcode_is_handed_to_nginx(user_client, sources, settings):
    settings.STREAMAPP_X_ACCEL_REDIRECT_PREFIX = "/_audio/"
    track = make_playable_track(sources["mp3"], "mp3")
    url = f"/stream/{track.pk}/?quality=low"
    first = user_client.get(url)
    assert "X-Accel-Redirect" not in first  # ffmpeg's output as it comes
    body(first)
    [cached] = cache_files(settings)
    again = user_client.get(url)
    assert again["X-Accel-Redirect"] == "/_audio" + str(cached)
    assert again["X-Stream-Format"] == "mp3"


def test_a_range_on_a_transcode_not_cached_yet_gets_the_whole_stream(user_client, sources):
    track = make_playable_track(sources["mp3"], "mp3")
    response = user_client.get(f"/stream/{track.pk}/?quality=low", HTTP_RANGE="bytes=1000-")
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "none"
    assert len(body(response)) > 10_000


def test_offset_starts_the_transcode_there_and_is_not_cached(user_client, sources, settings, tmp_path):
    track = make_playable_track(sources["flac"], "flac")
    response = user_client.get(f"/stream/{track.pk}/?quality=low&format=mp3&offset=1.5")
    assert response["X-Stream-Offset"] == "1.5"
    assert response["X-Stream-Cached"] == "0"
    output = tmp_path / "cut.mp3"
    output.write_bytes(body(response))
    assert 0.8 < float(probe(output)["format"]["duration"]) < 1.3  # 2.5 s from 1.5 s
    assert cache_files(settings) == []


def test_a_truncated_file_ends_with_a_422_no_cache_file_and_a_record(user_client, tmp_path, settings, caplog):
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + os.urandom(64_000))
    audio = make_audio_file(path=str(broken), format="flac", size=64_004, duration_ms=2500, bitrate=None)
    track = make_track(audio_file=audio)

    response = user_client.get(f"/stream/{track.pk}/?quality=normal")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "This track's audio file could not be transcoded.", "track_id": track.pk
    }
    assert cache_files(settings) == []
    failure = TranscodeFailure.objects.get()
    assert (failure.track, failure.stream_format, failure.bitrate_kbps) == (track, "mp3", 128)
    assert failure.stderr  # ffmpeg said why
    assert f"track {track.pk}" in caplog.text
    user_client.get(f"/stream/{track.pk}/?quality=normal")
    failure.refresh_from_db()
    assert failure.count == 2
    assert TranscodeDay.objects.get().errors == 2
    assert selectors.transcode_failures_recent()[0] == failure


def test_a_stream_closed_early_kills_ffmpeg_and_leaves_no_file(sources, settings, tmp_path):
    settings.STREAMAPP_FFMPEG = real_time_ffmpeg(tmp_path)  # still running when the stream is closed
    job = transcoder.Job(
        source=sources["flac"], checksum="ab" * 32, output=OUTPUT_FORMATS["mp3"], kbps=128
    )
    finished = []
    stream = transcoder.open_stream(job, on_finish=lambda sent, error: finished.append((sent, error)))
    first = next(stream)
    assert ffmpeg_processes(sources["flac"])

    stream.close()  # what Django does when the client has gone

    assert ffmpeg_processes(sources["flac"]) == []
    assert zombie_children() == []
    assert cache_files(settings) == []
    assert finished == [(len(first), None)]


def test_the_least_recently_used_transcodes_are_evicted_beyond_the_limit(user_client, sources, settings):
    tracks = [make_playable_track(sources[kind], kind) for kind in ("mp3", "flac", "m4a")]
    for track in tracks:
        body(user_client.get(f"/stream/{track.pk}/?quality=low"))
    files = cache_files(settings)
    assert len(files) == 3
    sizes = sum(path.stat().st_size for path in files)
    # The first transcode used again: the second is now the least recently used.
    time.sleep(0.01)
    first = user_client.get(f"/stream/{tracks[0].pk}/?quality=low")
    assert first["X-Stream-Cached"] == "1"
    settings.STREAMAPP_TRANSCODE_CACHE_MAX_BYTES = sizes - 1

    assert transcoder.evict() == 1

    remaining = {path.name.split("-")[0] for path in cache_files(settings)}
    assert remaining == {tracks[0].audio_file.checksum, tracks[2].audio_file.checksum}
    overview = selectors.transcode_cache_overview(date_range=None)
    assert overview.cache_files == 2
    assert overview.cache_bytes < sizes


def test_a_part_file_left_by_a_dead_run_is_removed(settings, sources):
    folder = settings.STREAMAPP_TRANSCODE_CACHE_DIR / "ab"
    folder.mkdir(parents=True)
    (folder / "ab12-mp3-64.part").write_bytes(b"half")
    assert transcoder.evict() == 1
    assert cache_files(settings) == []


@pytest.mark.parametrize(
    ("query", "field", "allowed"),
    [
        ("quality=best", "quality", "low, normal, high, original"),
        ("format=wma", "format", "opus, mp3, aac"),
        ("bitrate=1000", "bitrate", "32 to 320"),
        ("bitrate=12k", "bitrate", "32 to 320"),
        ("offset=-1", "offset", "0 or more"),
        ("offset=nan", "offset", "0 or more"),
        ("offset=2.5", "offset", "less than the track's 2.5 s"),
    ],
)
def test_unknown_parameters_are_a_400_naming_them(user_client, sources, query, field, allowed):
    track = make_playable_track(sources["mp3"], "mp3")
    response = user_client.get(f"/stream/{track.pk}/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert allowed in response.json()[field][0]


def test_anonymous_listeners_get_401_and_token_clients_a_transcode(client, user, sources):
    track = make_playable_track(sources["flac"], "flac")
    assert client.get(f"/stream/{track.pk}/?quality=low").status_code == 401
    token = Token.objects.create(user=user)
    response = client.get(f"/stream/{track.pk}/?quality=low", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response["X-Stream-Transcoded"] == "1"
    body(response)


def test_head_of_a_transcode_runs_no_ffmpeg(user_client, sources, settings):
    track = make_playable_track(sources["flac"], "flac")
    response = user_client.head(f"/stream/{track.pk}/?quality=low")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert cache_files(settings) == []


def test_the_overview_reads_the_days_and_the_cache(user_client, sources, django_assert_max_num_queries):
    track = make_playable_track(sources["m4a"], "m4a")
    body(user_client.get(f"/stream/{track.pk}/?quality=low"))
    body(user_client.get(f"/stream/{track.pk}/?quality=low"))
    with django_assert_max_num_queries(1):
        overview = selectors.transcode_cache_overview(date_range=None)
    [day] = overview.days
    assert (day.requests, day.cache_hits) == (2, 1)
    assert overview.hit_ratio == 0.5
    assert overview.cache_files == 1


def test_a_run_past_the_time_limit_ends_the_stream_and_is_recorded(user_client, sources, settings, tmp_path):
    settings.STREAMAPP_FFMPEG = real_time_ffmpeg(tmp_path)  # 2.5 s of audio takes 2.5 s
    settings.STREAMAPP_TRANSCODE_TIMEOUT_SECONDS = 0.5
    track = make_playable_track(sources["flac"], "flac")

    response = user_client.get(f"/stream/{track.pk}/?quality=normal")
    sent = body(response)

    assert response.status_code == 200 and 0 < len(sent) < 20_000  # cut short (2.5 s: about 40 KB)
    assert cache_files(settings) == []
    assert TranscodeFailure.objects.get().message.startswith("ffmpeg ran out of time")
    assert TranscodeDay.objects.get().errors == 1
    assert zombie_children() == []


def test_without_a_usable_cache_the_transcode_still_streams(user_client, sources, settings, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    settings.STREAMAPP_TRANSCODE_CACHE_DIR = tmp_path / "a-file" / "transcodes"
    track = make_playable_track(sources["mp3"], "mp3")

    response = user_client.get(f"/stream/{track.pk}/?quality=low&format=aac")

    assert response.status_code == 200
    output = tmp_path / "out.aac"
    output.write_bytes(body(response))
    assert probe(output)["codec"] == "aac"


def test_staff_see_the_failures_in_the_admin(staff_client, tmp_path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\xff\xfb" + os.urandom(1000))
    audio = make_audio_file(path=str(broken), size=1002, duration_ms=2500)
    services.transcode_failure_record(
        audio_file=audio, track=None, stream_format="opus", bitrate_kbps=64,
        message="ffmpeg exited with status 1", stderr="Invalid data found when processing input",
    )
    listing = staff_client.get("/admin/listening/transcodefailure/")
    assert listing.status_code == 200
    assert "broken.mp3" in listing.content.decode()
    failure = TranscodeFailure.objects.get()
    page = staff_client.get(f"/admin/listening/transcodefailure/{failure.pk}/change/")
    assert "Invalid data found when processing input" in page.content.decode()
