"""Hand-made listening data for the analytics tests: listens and plays at exact instants."""

import datetime as dt
import itertools
import uuid

import pytest

from listening.models import Listen, Play

UTC = dt.UTC
_keys = itertools.count(1)


def at(text: str) -> dt.datetime:
    """Parse '2026-01-01 23:30' as a UTC instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def listen(user, track, when: str | dt.datetime, ms_played: int | None = 180_000, **fields) -> Listen:
    moment = at(when) if isinstance(when, str) else when
    return Listen.objects.create(
        user=user,
        track=track,
        listened_at=moment,
        ms_played=ms_played,
        artist_name=track.artist.name if track else fields.pop("artist_name", "Unknown"),
        track_name=track.title if track else fields.pop("track_name", "Unknown"),
        dedupe_key=f"k{next(_keys)}",
        **fields,
    )


def play(user, track, when: str | dt.datetime, *, skipped=False, ms_played=60_000, **fields) -> Play:
    moment = at(when) if isinstance(when, str) else when
    return Play.objects.create(
        user=user,
        track=track,
        play_id=uuid.uuid4(),
        started_at=moment,
        skipped=skipped,
        ms_played=ms_played,
        **fields,
    )


@pytest.fixture(autouse=True)
def no_rollup_lag(settings):
    """Roll up listens inserted a moment ago (production waits a little for open transactions).

    Import it into a test module to use it there.
    """
    settings.STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS = 0
