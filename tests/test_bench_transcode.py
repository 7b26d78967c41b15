"""bench/transcode.py without running the load: its arguments and its real-time rule."""

import pytest

from bench import transcode
from bench.transcode import Received, real_time

KBPS = 128
PER_SECOND = KBPS * 1000 // 8  # 16,000 bytes of audio per second


def test_a_stream_arriving_faster_than_it_plays_is_real_time():
    # First byte at 0.1 s, then a second of audio every 0.5 s: always ahead of the player.
    samples = [(0.1 + 0.5 * n, PER_SECOND * (n + 1)) for n in range(10)]
    assert real_time(Received(first_byte=0.1, samples=samples), max_start=2, kbps=KBPS)


def test_a_stream_that_falls_behind_the_player_is_not():
    # One second of audio, then nothing for 3 s: the player ran dry after 1 s.
    samples = [(0.1, PER_SECOND), (3.1, 2 * PER_SECOND)]
    assert not real_time(Received(first_byte=0.1, samples=samples), max_start=2, kbps=KBPS)


def test_a_late_first_byte_or_an_error_is_not_real_time():
    assert not real_time(Received(first_byte=2.5, samples=[(2.5, 10**6)]), max_start=2, kbps=KBPS)
    assert not real_time(Received(first_byte=0.1, samples=[(0.1, 10**6)], error="HTTP/1.1 500"),
                         max_start=2, kbps=KBPS)


def test_arguments():
    args = transcode.parse_args(["--tracks", "60", "--streams", "50,10,10"])
    assert args.stream_counts == [10, 50]
    with pytest.raises(SystemExit):
        transcode.parse_args(["--tracks", "20", "--streams", "50"])
