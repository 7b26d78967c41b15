"""Writes for listening: play reports and the listens they produce."""

import datetime as dt
import hashlib
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Track

from .. import rules, selectors
from ..models import ContextType, Listen, NowPlaying, Play, Source
from ..transcoding import OUTPUT_FORMATS, QUALITIES, StreamChoice, choose_stream

PLAY_EVENTS = ("start", "progress", "pause", "resume", "seek", "first_audio", "stall", "error", "end", "skip")
ENDING_EVENTS = ("end", "skip")
# How far a client's clock may be from ours before its start time is not trusted.
_MAX_CLIENT_AGE = dt.timedelta(days=7)
_MAX_CLIENT_AHEAD = dt.timedelta(minutes=5)


def play_dedupe_key(play_id: uuid.UUID) -> str:
    """Return the listen dedupe key of a web-player play."""
    return hashlib.sha1(f"play:{play_id}".encode(), usedforsecurity=False).hexdigest()


def _trusted_start(started_at: dt.datetime | None, ms_played: int, now: dt.datetime) -> dt.datetime:
    if started_at is not None and now - _MAX_CLIENT_AGE <= started_at <= now + _MAX_CLIENT_AHEAD:
        return min(started_at, now)
    return now - dt.timedelta(milliseconds=ms_played)


@transaction.atomic
def play_report(
    *,
    user,
    play_id: uuid.UUID,
    track: Track,
    event: str,
    played_ms: int = 0,
    started_at: dt.datetime | None = None,
    context_type: str = "",
    context_id: str = "",
    time_to_first_audio_ms: int | None = None,
    stall_count: int = 0,
    stall_ms: int = 0,
    error_count: int = 0,
    error: str = "",
    source: str = Source.WEB,
    quality: str | None = None,
    stream_format: str | None = None,
) -> Play:
    """Record a playback report from the player and create the Listen once the rule is met.

    Reports carry cumulative figures (ms played, stalls, errors), so merging takes the maximum:
    repeated, late or out-of-order reports of one play give one Play and at most one Listen. A report
    naming the quality (and format) asked of /stream/ records what it served (listening.transcoding).
    """
    _report_check(event=event, context_type=context_type, quality=quality, stream_format=stream_format)
    now = timezone.now()
    start = _trusted_start(started_at, played_ms, now)
    play, created = Play.objects.select_for_update().get_or_create(
        user=user,
        play_id=play_id,
        defaults={
            "track": track,
            "started_at": start,
            "source": source,
            "context_type": context_type,
            "context_id": context_id[:64],
        },
    )
    if play.track_id != track.pk:
        raise ValidationError({"track_id": "This play id was reported for another track."})
    qualifies = _play_merge(
        play,
        track=track,
        event=event,
        start=start,
        now=now,
        played_ms=played_ms,
        time_to_first_audio_ms=time_to_first_audio_ms,
        stall_count=stall_count,
        stall_ms=stall_ms,
        error_count=error_count,
        error=error,
        served=_served(track, quality=quality, stream_format=stream_format),
    )
    changed = created  # a new play (recently played), or a listen recorded or moved (history)
    if qualifies:
        changed = _listen_sync(play, user=user, track=track, play_id=play_id, source=source) or changed
    if changed:
        selectors.listener_changed(user_ids=[user.pk])
    _update_now_playing(user=user, track=track, play=play, ended=play.ended_at is not None, now=now)
    return play


def _served(track: Track, *, quality: str | None, stream_format: str | None) -> StreamChoice | None:
    """Return what /stream/ serves for the quality and format a report names (None without a quality)."""
    if not quality:
        return None
    if track.audio_file is None:
        return StreamChoice(quality=quality, format="", bitrate_kbps=None, mime_type="", transcoded=False)
    return choose_stream(track.audio_file, quality=quality, format=stream_format)


def _report_check(*, event: str, context_type: str, quality: str | None, stream_format: str | None) -> None:
    """Raise ValidationError, naming the field, for an unknown event, context type, quality or format."""
    if quality and quality not in QUALITIES:
        raise ValidationError({"quality": f"Unknown quality; expected one of {', '.join(QUALITIES)}."})
    if stream_format and stream_format not in OUTPUT_FORMATS:
        raise ValidationError({"format": f"Unknown format; expected one of {', '.join(OUTPUT_FORMATS)}."})
    if event not in PLAY_EVENTS:
        expected = ", ".join(PLAY_EVENTS)
        raise ValidationError({"event": f"Unknown event {event!r}; expected one of {expected}."})
    if context_type not in ContextType.values:
        raise ValidationError({"context_type": f"Unknown context {context_type!r}."})


def _play_merge(
    play: Play,
    *,
    track: Track,
    event: str,
    start: dt.datetime,
    now: dt.datetime,
    played_ms: int,
    time_to_first_audio_ms: int | None,
    stall_count: int,
    stall_ms: int,
    error_count: int,
    error: str,
    served: StreamChoice | None,
) -> bool:
    """Merge a report's cumulative figures into the play (the maximum of each) and save it.

    Return whether the play now counts as a listen.
    """
    play.started_at = min(play.started_at, start)
    play.ms_played = max(play.ms_played, played_ms)
    play.stall_count = max(play.stall_count, stall_count)
    play.stall_ms = max(play.stall_ms, stall_ms)
    play.error_count = max(play.error_count, error_count)
    if error:
        play.last_error = error[:255]
    if served is not None:
        play.quality, play.stream_format, play.stream_bitrate_kbps = (
            served.quality, served.format, served.bitrate_kbps
        )
    if time_to_first_audio_ms is not None and play.time_to_first_audio_ms is None:
        play.time_to_first_audio_ms = time_to_first_audio_ms
    qualifies = rules.is_listen(duration_ms=track.duration_ms, ms_played=play.ms_played)
    if event in ENDING_EVENTS and play.ended_at is None:
        play.ended_at = now
    if play.ended_at is not None:
        play.skipped = not qualifies
    play.save()
    return qualifies


def _listen_sync(play: Play, *, user, track: Track, play_id: uuid.UUID, source: str) -> bool:
    """Create the play's Listen, or move it to the play's start and figures.

    Return whether the listening history changed (a listen recorded or moved).
    """
    listen = Listen.objects.filter(play=play).first()
    changed = listen is None or listen.listened_at != play.started_at
    if listen is None:
        Listen.objects.create(
            user=user,
            track=track,
            play=play,
            listened_at=play.started_at,
            dedupe_key=play_dedupe_key(play_id),
            ms_played=play.ms_played,
            source=source,
            context_type=play.context_type,
            context_id=play.context_id,
            artist_name=track.artist.name,
            track_name=track.title,
            release_name=track.album.title,
            recording_mbid=track.mbid,
        )
    elif (listen.listened_at, listen.ms_played) != (play.started_at, play.ms_played):
        listen.listened_at, listen.ms_played = play.started_at, play.ms_played
        listen.save(update_fields=["listened_at", "ms_played"])
    return changed


def _update_now_playing(*, user, track: Track, play: Play, ended: bool, now: dt.datetime) -> None:
    if ended:
        deleted, _ = NowPlaying.objects.filter(user=user, track=track).delete()
        if deleted:
            selectors.listener_changed(user_ids=[user.pk])  # nothing plays now
        return
    remaining = max(track.duration_ms - play.ms_played, 0)
    NowPlaying.objects.update_or_create(
        user=user,
        defaults={
            "track": track,
            "artist_name": track.artist.name,
            "track_name": track.title,
            "release_name": track.album.title,
            "additional_info": {"duration_ms": track.duration_ms},
            "started_at": play.started_at,
            "expires_at": now + dt.timedelta(milliseconds=remaining + 30_000),
        },
    )


@transaction.atomic
def now_playing_track_set(*, user, track: Track) -> NowPlaying:
    """Set what the user plays now to a catalog track, from its start (a client that reports no play,
    such as a Subsonic client's scrobble with submission=false): kept for the track's length."""
    now = timezone.now()
    now_playing, _ = NowPlaying.objects.update_or_create(
        user=user,
        defaults={
            "track": track,
            "artist_name": track.artist.name,
            "track_name": track.title,
            "release_name": track.album.title,
            "additional_info": {"duration_ms": track.duration_ms},
            "started_at": now,
            "expires_at": now + dt.timedelta(milliseconds=track.duration_ms + 30_000),
        },
    )
    selectors.listener_changed(user_ids=[user.pk])
    return now_playing
