"""The scrobble rule shared by the player, the listen API and the importers (pure functions)."""

MIN_TRACK_MS = 30_000
CAP_MS = 4 * 60_000


def listen_threshold_ms(duration_ms: int) -> int | None:
    """Return how long a track must be played to count as a listen, or None if it never counts.

    A track longer than 30 s counts once played for half its duration or 4 minutes, whichever
    comes first (the Last.fm / ListenBrainz rule).
    """
    if duration_ms <= MIN_TRACK_MS:
        return None
    return min(duration_ms // 2 + duration_ms % 2, CAP_MS)


def is_listen(*, duration_ms: int, ms_played: int) -> bool:
    """Return whether playing ms_played of a track of duration_ms counts as a listen."""
    threshold = listen_threshold_ms(duration_ms)
    return threshold is not None and ms_played >= threshold
