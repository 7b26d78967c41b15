"""The scrobble rule at its edges."""

import pytest

from listening.rules import is_listen, listen_threshold_ms


@pytest.mark.parametrize(
    ("duration_ms", "threshold"),
    [
        (30_000, None),  # exactly 30 s never counts
        (29_000, None),
        (0, None),
        (30_001, 15_001),  # just over 30 s: half of it, rounded up
        (60_000, 30_000),
        (480_000, 240_000),  # 8 minutes: half and the cap agree
        (480_002, 240_000),  # longer: the 4-minute cap wins
        (3_600_000, 240_000),
    ],
)
def test_threshold(duration_ms, threshold):
    assert listen_threshold_ms(duration_ms) == threshold


def test_half_the_duration_counts_and_a_millisecond_less_does_not():
    assert is_listen(duration_ms=200_000, ms_played=100_000)
    assert not is_listen(duration_ms=200_000, ms_played=99_999)


def test_four_minutes_count_for_a_long_track():
    assert is_listen(duration_ms=1_200_000, ms_played=240_000)
    assert not is_listen(duration_ms=1_200_000, ms_played=239_999)


def test_a_thirty_second_track_never_counts_even_played_in_full():
    assert not is_listen(duration_ms=30_000, ms_played=30_000)
