"""bench/loudness.py without the 1,000-track run: its arguments, and sources ffmpeg renders and measures."""

import importlib.util
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from catalog import loudness

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench_loudness():
    spec = importlib.util.spec_from_file_location("bench_loudness", ROOT / "bench" / "loudness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_defaults_are_a_1000_track_import_of_one_minute_tracks(bench_loudness):
    args = bench_loudness.parse_args([])
    assert (args.tracks, args.seconds, args.processes) == (1000, 60.0, 0)


@pytest.mark.parametrize("argv", [["--tracks", "0"], ["--seconds", "0"], ["--processes", "-1"]])
def test_bad_arguments_are_refused(bench_loudness, argv):
    with pytest.raises(SystemExit):
        bench_loudness.parse_args(argv)


def test_sources_are_music_like_signals_at_different_levels(bench_loudness, tmp_path):
    levels = []
    for index in (0, 3):
        path = tmp_path / f"source-{index}.wav"
        subprocess.run(
            [settings.STREAMAPP_FFMPEG, "-nostdin", "-v", "error", "-y",
             "-filter_complex", bench_loudness.source_filter(index, 2), str(path)],
            check=True,
        )  # fmt: skip
        result = loudness.measure(str(path), ffmpeg=settings.STREAMAPP_FFMPEG)
        assert result.error == "" and -30 < result.loudness_lufs < -3
        levels.append(result.loudness_lufs)
    assert levels[0] - levels[1] == pytest.approx(6, abs=1)  # 2 dB quieter per source index
