"""Loudness: EBU R128 of generated signals of known level, ReplayGain tags, the API's rule, the command,
the task with the real worker, and the import queuing it."""

import contextlib
import fcntl
import io
import math
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import override_settings
from django.urls import reverse
from mutagen import id3
from mutagen.flac import FLAC
from mutagen.mp4 import MP4, MP4FreeForm
from mutagen.oggopus import OggOpus

from catalog import import_lock, loudness, services, tasks
from catalog import selectors as catalog_selectors
from catalog.models import Album, AudioFile, Track
from catalog.tags import read_audio_file
from tests.catalog.audio_files import write_audio
from tests.catalog.factories import make_album, make_audio_file, make_track

RATE = 48000


def tone(path: Path, *, amplitude: float, channels: int = 2, frequency: int = 997, seconds: float = 3.0,
         phase: float = 0.0) -> Path:
    """Write a sine of the given peak amplitude (1.0 = full scale) in every channel, as 24-bit FLAC."""
    wave = f"{amplitude}*sin(2*PI*{frequency}*t+{phase})"
    subprocess.run(
        [
            settings.STREAMAPP_FFMPEG, "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"aevalsrc={'|'.join([wave] * channels)}:s={RATE}:d={seconds}",
            "-c:a", "flac", "-sample_fmt", "s32", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def expected_lufs(amplitude: float, channels: int) -> float:
    """BS.1770: a 997 Hz sine of peak A in one channel reads 20·log10(A) − 3.01 LUFS (its mean square is
    A²/2, and the K-weighting's −0.691 offset cancels the filter's gain there); channels' powers add."""
    return 20 * math.log10(amplitude) - 10 * math.log10(2) + 10 * math.log10(channels)


# -- measuring -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amplitude", "channels"), [(0.5, 2), (0.1, 2), (0.25, 1), (1.0, 1)]
)
def test_the_loudness_of_a_sine_of_known_level_is_within_half_a_lu(tmp_path, amplitude, channels):
    path = tone(tmp_path / "tone.flac", amplitude=amplitude, channels=channels)

    result = loudness.measure(str(path), ffmpeg=settings.STREAMAPP_FFMPEG)

    assert result.error == ""
    assert result.loudness_lufs == pytest.approx(expected_lufs(amplitude, channels), abs=0.5)
    assert result.true_peak_dbtp == pytest.approx(20 * math.log10(amplitude), abs=0.5)


def test_the_true_peak_is_found_between_the_samples(tmp_path):
    # A quarter of the sample rate at 45°: every sample is at ±0.707 (−3.01 dBFS), the wave peaks at 1.0.
    path = tone(tmp_path / "intersample.flac", amplitude=1.0, frequency=RATE // 4, phase=math.pi / 4)

    result = loudness.measure(str(path), ffmpeg=settings.STREAMAPP_FFMPEG)

    # Found (the samples alone say −3.01); a 4× oversampling meter may over-read by up to ~1 dB this close
    # to Nyquist (BS.1770-4, Annex 2), never under-read by more than its 0.5 dB tolerance.
    assert -0.5 <= result.true_peak_dbtp <= 1.0


def test_a_file_ffmpeg_cannot_decode_is_an_error_not_a_crash(tmp_path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"not audio at all " * 500)

    result = loudness.measure(str(broken), ffmpeg=settings.STREAMAPP_FFMPEG)

    assert (result.loudness_lufs, result.true_peak_dbtp) == (None, None)
    assert result.error.startswith("ffmpeg could not decode the file: ")
    assert len(result.error) <= AudioFile._meta.get_field("loudness_error").max_length


def test_a_missing_ffmpeg_a_slow_run_and_silence_are_errors(tmp_path):
    path = tone(tmp_path / "tone.flac", amplitude=0.5, seconds=1)
    silent = tone(tmp_path / "silent.flac", amplitude=0.0, seconds=1)

    assert loudness.measure(str(path), ffmpeg=str(tmp_path / "no-ffmpeg")).error.startswith(
        "ffmpeg could not start"
    )
    assert loudness.measure(str(path), ffmpeg=settings.STREAMAPP_FFMPEG, timeout=0.001).error == (
        "ffmpeg took longer than 0.001 s"
    )
    assert loudness.measure(str(silent), ffmpeg=settings.STREAMAPP_FFMPEG).error.startswith("silent")


@pytest.mark.parametrize(
    "output",
    [
        "", "Summary:\n  nothing here", "I: -12.0 LUFS without a summary",
        "Summary:\n Integrated loudness:\n I: x",
    ],
)
def test_an_unexpected_ffmpeg_output_is_an_error(output):
    result = loudness.parse_summary(output)
    assert result.loudness_lufs is None
    assert result.error


def test_album_loudness_is_the_duration_weighted_power_mean_and_the_highest_peak():
    lufs, peak = loudness.album_loudness([(-10.0, -1.0, 60_000), (-20.0, -0.2, 60_000), (None, None, 9_000)])
    assert lufs == pytest.approx(10 * math.log10((0.1 + 0.01) / 2), abs=0.01)
    assert peak == -0.2
    # A track three times longer weighs three times more.
    assert loudness.album_loudness([(-10.0, -1.0, 180_000), (-20.0, -1.0, 60_000)])[0] == pytest.approx(
        10 * math.log10((3 * 0.1 + 0.01) / 4), abs=0.01
    )
    assert loudness.album_loudness([(None, None, 1000)]) == (None, None)


# -- ReplayGain ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["-6.50 dB"], -6.5), (["+2.1 dB"], 2.1), (["-6.5"], -6.5), (["  -3.20 DB "], -3.2),
        (["garbage"], None), (["-999 dB"], None), ([], None), (None, None), (["nan dB"], None),
    ],
)  # fmt: skip
def test_replaygain_gains_are_parsed_defensively(values, expected):
    assert loudness.parse_gain(values) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [(["0.988525"], 0.988525), (["1.2"], 1.2), (["0"], None), (["-1"], None), (["1e9"], None), (["x"], None)],
)
def test_replaygain_peaks_are_parsed_defensively(values, expected):
    assert loudness.parse_peak(values) == expected


def test_opus_r128_gains_are_read_as_replaygain_gains():
    # Q7.8 toward −23 LUFS: −1280/256 = −5 dB → 0 dB toward −18 LUFS.
    assert loudness.parse_r128_gain(["-1280"]) == 0.0
    assert loudness.parse_r128_gain(["512"]) == 7.0
    assert loudness.parse_r128_gain(["99999"]) is None
    assert loudness.parse_r128_gain(["-6.5 dB"]) is None


def _tag_replaygain(path: Path, fmt: str) -> None:
    """Tag track gain −7.25 dB, peak 0.95, album gain −8.00 dB, peak 0.99 the way common taggers do."""
    values = {
        "track_gain": "-7.25 dB", "track_peak": "0.950000", "album_gain": "-8.00 dB", "album_peak": "0.99"
    }
    if fmt == "mp3":
        tags = id3.ID3(path)
        for name, value in values.items():
            tags.add(id3.TXXX(encoding=3, desc=f"REPLAYGAIN_{name.upper()}", text=[value]))
        tags.save(path)
    elif fmt == "flac":
        audio = FLAC(path)
        for name, value in values.items():
            audio[f"REPLAYGAIN_{name.upper()}"] = value
        audio.save()
    elif fmt == "m4a":
        audio = MP4(path)
        for name, value in values.items():
            audio[f"----:com.apple.iTunes:replaygain_{name}"] = [MP4FreeForm(value.encode())]
        audio.save()
    elif fmt == "opus":  # RFC 7845: the gains in Q7.8 toward −23 LUFS; peaks as ReplayGain tags
        audio = OggOpus(path)
        audio["R128_TRACK_GAIN"] = str(round((-7.25 - 5) * 256))
        audio["R128_ALBUM_GAIN"] = str(round((-8.0 - 5) * 256))
        audio["REPLAYGAIN_TRACK_PEAK"], audio["REPLAYGAIN_ALBUM_PEAK"] = "0.950000", "0.99"
        audio.save()


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a", "opus"])
def test_replaygain_tags_are_read(tmp_path, fmt):
    path = write_audio(tmp_path / f"song.{fmt}", title="Song", artist="Ada")
    _tag_replaygain(path, fmt)

    tags = read_audio_file(path)

    assert (tags.replaygain_track_gain_db, tags.replaygain_track_peak) == (-7.25, 0.95)
    assert (tags.replaygain_album_gain_db, tags.replaygain_album_peak) == (-8.0, 0.99)


def test_a_file_without_replaygain_tags_has_none(tmp_path):
    tags = read_audio_file(write_audio(tmp_path / "song.flac", title="Song"))
    assert (tags.replaygain_track_gain_db, tags.replaygain_album_peak) == (None, None)


# -- the API's rule ------------------------------------------------------------------------------------


def _file(**values):
    fields = ("loudness_lufs", "true_peak_dbtp", "replaygain_track_gain_db", "replaygain_track_peak",
              "replaygain_album_gain_db", "replaygain_album_peak")
    return SimpleNamespace(**{name: values.get(name) for name in fields})


def test_measured_values_come_first_then_replaygain_then_none():
    measured = _file(loudness_lufs=-9.8, true_peak_dbtp=-0.3, replaygain_track_gain_db=-1.0)
    tagged = _file(replaygain_track_gain_db=-6.5, replaygain_track_peak=0.5,
                   replaygain_album_gain_db=-7.0, replaygain_album_peak=1.0)
    album = SimpleNamespace(loudness_lufs=-10.4, true_peak_dbtp=-0.1)
    unmeasured_album = SimpleNamespace(loudness_lufs=None, true_peak_dbtp=None)

    assert loudness.track_loudness_values(measured, album) == {
        "track_lufs": -9.8, "track_peak_dbtp": -0.3, "album_lufs": -10.4, "album_peak_dbtp": -0.1
    }
    assert loudness.track_loudness_values(tagged, unmeasured_album) == {
        "track_lufs": -11.5, "track_peak_dbtp": -6.02, "album_lufs": -11.0, "album_peak_dbtp": 0.0
    }
    assert loudness.track_loudness_values(None, unmeasured_album) == dict.fromkeys(
        ("track_lufs", "track_peak_dbtp", "album_lufs", "album_peak_dbtp")
    )


def test_replay_gain_gives_gains_toward_minus_18_lufs_and_linear_peaks():
    album = SimpleNamespace(loudness_lufs=-10.4, true_peak_dbtp=0.0)
    unmeasured_album = SimpleNamespace(loudness_lufs=None, true_peak_dbtp=None)
    measured = loudness.track_loudness_values(_file(loudness_lufs=-9.8, true_peak_dbtp=-0.3), album)
    assert loudness.replay_gain(measured) == {
        "trackGain": -8.2, "albumGain": -7.6, "trackPeak": pytest.approx(0.966051), "albumPeak": 1.0,
        "baseGain": 0.0,
    }
    # Tags only: the gains as tagged (round trip through LUFS), the peaks as tagged.
    tagged = loudness.track_loudness_values(
        _file(replaygain_track_gain_db=-6.5, replaygain_track_peak=0.5), unmeasured_album
    )
    assert loudness.replay_gain(tagged) == {
        "trackGain": -6.5, "trackPeak": pytest.approx(0.5, abs=1e-4), "baseGain": 0.0, "fallbackGain": -6.5
    }
    unknown = loudness.track_loudness_values(_file(), unmeasured_album)
    assert loudness.replay_gain(unknown) is None


# -- the import, the command, the task -----------------------------------------------------------------


@pytest.fixture
def album_folder(tmp_path):
    """Two tracks of one album at two known levels, and the replay gain tags of a tagger on the first."""
    folder = tmp_path / "library"
    folder.mkdir()
    loud = tone(folder / "01.flac", amplitude=0.5, seconds=2)
    quiet = tone(folder / "02.flac", amplitude=0.05, seconds=2)
    for number, path in enumerate((loud, quiet), start=1):
        audio = FLAC(path)
        audio.update({"TITLE": f"Part {number}", "ARTIST": "Ada", "ALBUM": "Levels"})
        audio["TRACKNUMBER"] = str(number)
        audio.save()
    _tag_replaygain(loud, "flac")
    return SimpleNamespace(root=folder, loud=loud, quiet=quiet)


@pytest.mark.django_db
def test_the_import_stores_replaygain_and_queues_measuring(album_folder, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with override_settings(STREAMAPP_LOUDNESS_ON_IMPORT=True), capture() as queued:
        services.library_import(root=album_folder.root)

    loud = AudioFile.objects.get(path=str(album_folder.loud))
    assert (loud.replaygain_track_gain_db, loud.replaygain_album_peak) == (-7.25, 0.99)
    assert loud.loudness_measured_at is None
    assert queued.count(tasks.measure_loudness.delay) == 1

    with override_settings(STREAMAPP_LOUDNESS_ON_IMPORT=False), capture() as queued:
        tone(album_folder.root / "03.flac", amplitude=0.2, seconds=1)
        services.library_import(root=album_folder.root)
    assert tasks.measure_loudness.delay not in queued


@pytest.mark.django_db
def test_the_command_measures_what_is_missing_with_a_progress_bar_and_one_summary_line(album_folder):
    services.library_import(root=album_folder.root)
    out, err = io.StringIO(), io.StringIO()

    call_command("measure_loudness", stdout=out, stderr=err)

    assert out.getvalue() == "Loudness: 2 measured, 0 failed, 1 albums updated, 0 left to measure\n"
    assert "2/2" in err.getvalue()
    loud, quiet = (AudioFile.objects.get(path=str(path)) for path in (album_folder.loud, album_folder.quiet))
    assert loud.loudness_lufs == pytest.approx(expected_lufs(0.5, 2), abs=0.5)
    assert quiet.loudness_lufs == pytest.approx(expected_lufs(0.05, 2), abs=0.5)
    assert loud.true_peak_dbtp == pytest.approx(-6.02, abs=0.5)
    assert loud.loudness_measured_at is not None and loud.loudness_error == ""
    album = Album.objects.get(title="Levels")
    assert (album.loudness_lufs, album.true_peak_dbtp) == loudness.album_loudness(
        [(loud.loudness_lufs, loud.true_peak_dbtp, 2000), (quiet.loudness_lufs, quiet.true_peak_dbtp, 2000)]
    )

    out = io.StringIO()
    version = catalog_selectors.cache_version(catalog_selectors.CATALOG_VERSION_KEY)
    call_command("measure_loudness", "--no-progress", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == "Loudness: 0 measured, 0 failed, 0 albums updated, 0 left to measure\n"
    # Nothing written: the cached catalog reads stay.
    assert catalog_selectors.cache_version(catalog_selectors.CATALOG_VERSION_KEY) == version


@pytest.mark.django_db
def test_written_measurements_make_the_cached_catalog_reads_stale(album_folder):
    """Cached song entries (the Subsonic API's) carry the loudness: a measurement replaces their version."""
    services.library_import(root=album_folder.root)
    version = catalog_selectors.cache_version(catalog_selectors.CATALOG_VERSION_KEY)

    call_command("measure_loudness", "--no-progress", "--limit", "1", stdout=io.StringIO())

    assert catalog_selectors.cache_version(catalog_selectors.CATALOG_VERSION_KEY) != version


@pytest.mark.django_db
def test_the_command_respects_its_limit_and_measures_a_changed_file_again(album_folder):
    services.library_import(root=album_folder.root)
    out = io.StringIO()

    call_command("measure_loudness", "--limit", "1", "--no-progress", stdout=out, stderr=io.StringIO())

    assert out.getvalue() == "Loudness: 1 measured, 0 failed, 1 albums updated, 1 left to measure\n"
    call_command("measure_loudness", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    tone(album_folder.quiet, amplitude=0.5, seconds=3)  # new content (and no tags): measured again
    services.library_import(root=album_folder.root)
    quiet = AudioFile.objects.get(path=str(album_folder.quiet))
    assert (quiet.loudness_lufs, quiet.loudness_measured_at) == (None, None)

    out = io.StringIO()
    call_command("measure_loudness", "--no-progress", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("Loudness: 1 measured, 0 failed")
    quiet.refresh_from_db()
    assert quiet.loudness_lufs == pytest.approx(expected_lufs(0.5, 2), abs=0.5)


@pytest.mark.django_db
def test_measuring_reads_the_replaygain_tags_of_a_library_imported_before_they_were(album_folder):
    services.library_import(root=album_folder.root)
    AudioFile.objects.update(replaygain_track_gain_db=None, replaygain_album_peak=None)  # an older import

    call_command("measure_loudness", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())

    loud = AudioFile.objects.get(path=str(album_folder.loud))
    assert (loud.replaygain_track_gain_db, loud.replaygain_album_peak) == (-7.25, 0.99)
    assert AudioFile.objects.get(path=str(album_folder.quiet)).replaygain_track_gain_db is None


@pytest.mark.django_db
def test_an_undecodable_file_is_recorded_with_its_reason_and_not_tried_again(tmp_path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\xff\xfb" + b"\x00garbage" * 300)
    audio_file = make_audio_file(str(broken))
    make_track("Broken", audio_file=audio_file)
    out, err = io.StringIO(), io.StringIO()

    call_command("measure_loudness", "--no-progress", stdout=out, stderr=err)

    assert out.getvalue() == "Loudness: 0 measured, 1 failed, 0 albums updated, 0 left to measure\n"
    assert err.getvalue().startswith(f"{broken}: ffmpeg could not decode the file")
    audio_file.refresh_from_db()
    assert audio_file.loudness_error.startswith("ffmpeg could not decode the file")
    assert audio_file.loudness_measured_at is not None and audio_file.loudness_lufs is None
    assert services.loudness_measure_missing().failed == 0


@pytest.mark.django_db
def test_the_command_refuses_to_run_beside_another_measurement():
    with _held_elsewhere(), pytest.raises(CommandError, match="Another loudness measurement is running"):
        call_command("measure_loudness", "--no-progress", stdout=io.StringIO())


@contextlib.contextmanager
def _held_elsewhere():
    """Hold the loudness lock the way another process would (its own connection, its own file handle)."""
    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [import_lock.LOUDNESS_LOCK_KEY])
            yield
        finally:
            other.close()
    else:
        with open(import_lock._lock_file("loudness"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.mark.django_db
def test_the_command_refuses_a_limit_below_one():
    with pytest.raises(CommandError, match="--limit must be a positive"):
        call_command("measure_loudness", "--limit", "0", stdout=io.StringIO())


@pytest.mark.django_db
def test_a_task_run_that_leaves_files_queues_the_next_one(album_folder, django_capture_on_commit_callbacks):
    services.library_import(root=album_folder.root)

    with override_settings(STREAMAPP_LOUDNESS_TASK_BATCH=1), django_capture_on_commit_callbacks() as queued:
        result = tasks.measure_loudness()

    assert result == {"status": "done", "measured": 1, "failed": 0, "albums": 1, "remaining": 1}
    # The next run, besides the new catalog version that the written measurement asks for.
    assert [call for call in queued if call == tasks.measure_loudness.delay] == [tasks.measure_loudness.delay]
    with django_capture_on_commit_callbacks() as queued:
        assert tasks.measure_loudness(limit=5)["remaining"] == 0
    assert tasks.measure_loudness.delay not in queued


@pytest.mark.django_db(transaction=True)
def test_an_import_has_the_worker_measure_what_it_added(album_folder, celery_worker):
    with override_settings(STREAMAPP_LOUDNESS_ON_IMPORT=True):
        services.library_import(root=album_folder.root)

    deadline = time.monotonic() + 60
    pending = AudioFile.objects.filter(loudness_measured_at__isnull=True)
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    loud = AudioFile.objects.get(path=str(album_folder.loud))
    assert loud.loudness_lufs == pytest.approx(expected_lufs(0.5, 2), abs=0.5)
    assert Album.objects.get(title="Levels").loudness_lufs is not None
    track = Track.objects.get(audio_file=loud)
    assert track.loudness["track_lufs"] == loud.loudness_lufs


# -- the API and the admin -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_track_api_derives_loudness_from_replaygain_when_not_measured(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ada", password="x"))
    album = make_album("Tagged")
    for number in range(3):
        make_track(
            f"T{number}", album=album,
            audio_file=make_audio_file(replaygain_track_gain_db=-4.0, replaygain_track_peak=0.5,
                                       replaygain_album_gain_db=-5.0, replaygain_album_peak=0.8),
        )  # fmt: skip

    answer = client.get("/api/v1/tracks/", {"album": album.pk})

    assert answer.status_code == 200
    assert answer.json()["results"][0]["loudness"] == {
        "track_lufs": -14.0, "track_peak_dbtp": -6.02, "album_lufs": -13.0, "album_peak_dbtp": -1.94
    }


@pytest.mark.django_db
def test_the_audio_file_admin_shows_the_loudness_read_only(admin_client):
    audio_file = make_audio_file(loudness_lufs=-12.5, true_peak_dbtp=-0.7, loudness_error="")

    page = admin_client.get(reverse("admin:catalog_audiofile_change", args=[audio_file.pk]))

    assert page.status_code == 200
    assert "-12.5" in page.text and "-0.7" in page.text
    assert 'name="loudness_lufs"' not in page.text
    listing = admin_client.get(reverse("admin:catalog_audiofile_changelist"), {"loudness": "pending"})
    assert listing.status_code == 200
