"""Writes for transcoded streams: the day's counters and the failures shown to staff."""

import logging

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import TranscodeDay, TranscodeFailure

log = logging.getLogger(__name__)


def transcode_count(*, cache_hit: bool, bytes_served: int, error: bool = False) -> None:
    """Add one transcoded answer to today's counters: one UPDATE (an INSERT on the day's first).

    Never raises: a failed count is logged, the stream is not disturbed.
    """
    values = {
        "requests": 1,
        "cache_hits": int(cache_hit),
        "cache_misses": int(not cache_hit),
        "bytes_served": bytes_served,
        "errors": int(error),
    }
    day = timezone.localdate()
    try:
        for _attempt in range(2):  # a concurrent first answer of the day may create the row first
            with transaction.atomic():
                changes = {name: F(name) + value for name, value in values.items() if value}
                if TranscodeDay.objects.filter(day=day).update(**changes):
                    return
                try:
                    with transaction.atomic():
                        TranscodeDay.objects.create(day=day, **values)
                    return
                except IntegrityError:
                    continue
    except DatabaseError:
        log.warning("transcode counters for %s not updated", day, exc_info=True)


def transcode_failure_record(
    *, audio_file, track, stream_format: str, bitrate_kbps: int | None, message: str, stderr: str
) -> None:
    """Log a failed transcode with the track and ffmpeg's output, count it and keep it for staff (the
    last failure per file). Never raises."""
    log.error(
        "transcode failed: track %s, file %s, %s %s kbps: %s\n%s",
        getattr(track, "pk", None), audio_file.pk, stream_format, bitrate_kbps, message, stderr,
    )
    try:
        with transaction.atomic():
            failure, created = TranscodeFailure.objects.select_for_update().get_or_create(
                audio_file=audio_file,
                defaults={
                    "track": track, "stream_format": stream_format, "bitrate_kbps": bitrate_kbps,
                    "message": message[:255], "stderr": stderr, "last_at": timezone.now(),
                },
            )
            if not created:
                failure.track, failure.stream_format = track, stream_format
                failure.bitrate_kbps, failure.message = bitrate_kbps, message[:255]
                failure.stderr, failure.last_at = stderr, timezone.now()
                failure.count = F("count") + 1
                failure.save()
    except DatabaseError:
        log.warning("transcode failure of file %s not recorded", audio_file.pk, exc_info=True)
