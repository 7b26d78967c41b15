"""Writes for history imports: a Spotify, ListenBrainz or Last.fm export read into a user's listens.

The parsing is in listening.importers; here the records are written in chunks with the same
matching and dedupe keys as submitted listens (listens_write), so importing a file again, or a
listen a scrobbler already sent, adds nothing.

The work is bounded per listener: one upload waiting or running at a time, at most
STREAMAPP_HISTORY_MAX_ROWS_PER_IMPORT records read per import and STREAMAPP_HISTORY_MAX_ROWS_PER_DAY
per listener in 24 hours (an import stops there, keeping what it wrote). Zip limits are the parsers'.
"""

import datetime as dt
import itertools
import logging
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import get_valid_filename

from catalog.matching import MatchQuery, match_tracks

from .. import importers, selectors, signals, tasks
from ..importers import IgnoredRecord, ImportedListen, ImportedSkip, ImportProblem, Record
from ..models import HistoryImport, Play, Source
from .listens import ListenRecord, ListensWritten, listens_write

logger = logging.getLogger(__name__)

__all__ = [
    "CHUNK_SIZE",
    "HistoryImportSummary",
    "history_import_check_file",
    "history_import_create",
    "history_import_discard_files",
    "history_import_refusal",
    "history_import_run",
    "history_import_start",
]

# Records written per transaction (a few thousand keeps each under a second and memory flat).
CHUNK_SIZE = 5_000
# The problems kept on a HistoryImport row; the command prints every one.
MAX_STORED_ERRORS = 1_000
# Skipped plays read from an export get ids derived from their row, so a re-import adds none.
PLAY_ID_NAMESPACE = uuid.UUID("8a4f4e0c-6a43-4f55-9d49-3c2f4f7d1a61")
# The window of STREAMAPP_HISTORY_MAX_ROWS_PER_DAY.
ROWS_WINDOW = dt.timedelta(hours=24)
# An import still waiting or running after this long was lost (a worker killed past its time limit,
# tasks.IMPORT_SOFT_TIME_LIMIT): it no longer keeps its listener from uploading another.
ACTIVE_IMPORT_MAX_AGE = dt.timedelta(hours=6)


@dataclass
class HistoryImportSummary:
    """The counts of an import, of records: see HistoryImport for what each one means."""

    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    unmatched: int = 0
    failed: int = 0
    done: int = 0
    total: int = 0
    # The first MAX_STORED_ERRORS problems, as {"position", "reason"}.
    errors: list[dict] = field(default_factory=list)
    # Why the import read nothing, or stopped before the end of its files (a row cap); empty otherwise.
    stopped: str = ""

    @property
    def line(self) -> str:
        return (
            f"{self.imported:,} imported, {self.duplicates:,} duplicates, {self.skipped:,} skipped, "
            f"{self.unmatched:,} unmatched, {self.failed:,} failed"
        )


def history_import_check_file(*, format: str, stream, name: str) -> str | None:
    """Return why a file cannot be imported as format (read from its start), or None if it can be tried.

    stream is a seekable binary file, left at its start.
    """
    return importers.PARSERS[format].check(stream, name)


def history_import_create(
    *, user, format: str, files: Sequence[tuple[Path, str]], upload_dir: Path | None = None
) -> HistoryImport:
    """Record a pending import of files, given as (path on this server, name to show) pairs."""
    if format not in importers.PARSERS:
        raise ValueError(f"Unknown history format {format!r}.")
    names = ", ".join(name for _, name in files)
    return HistoryImport.objects.create(
        user=user,
        format=format,
        file_name=names if len(names) <= 1024 else names[:1023] + "…",
        files=[{"path": str(path), "name": name} for path, name in files],
        upload_dir=str(upload_dir or ""),
    )


def history_import_refusal(*, user) -> str | None:
    """Return why the user may not start another import now (one is under way, or the day's rows are
    read), or None.
    """
    active_since = timezone.now() - ACTIVE_IMPORT_MAX_AGE
    active = HistoryImport.objects.filter(
        user=user,
        status__in=[HistoryImport.Status.PENDING, HistoryImport.Status.RUNNING],
        created_at__gte=active_since,
    )
    if active.exists():
        return "A history is already being imported: wait for it to finish before starting another."
    allowed, reason = _rows_allowed(user=user, exclude_pk=None)
    return reason if allowed <= 0 else None


@transaction.atomic
def history_import_start(*, user, format: str, uploads: Sequence[File]) -> HistoryImport:
    """Save uploaded files under STREAMAPP_UPLOAD_DIR, record their import and queue it once committed.

    The files should have passed history_import_check_file. Raises ValidationError, saving nothing,
    while another import of the user's waits or runs, or once their rows of the day are read. The
    task deletes the files after the import.
    """
    # Hold the listener's row so that two uploads at once cannot both pass the check.
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    refusal = history_import_refusal(user=user)
    if refusal:
        raise ValidationError(refusal, code="history_import_refused")
    folder = Path(settings.STREAMAPP_UPLOAD_DIR) / "history-imports" / str(user.pk) / uuid.uuid4().hex
    folder.mkdir(parents=True, mode=0o700)
    try:
        files = []
        for index, upload in enumerate(uploads, 1):
            name = Path(upload.name or "").name or f"file-{index}"
            target = folder / f"{index}-{_safe_file_name(name)}"
            with open(target, "wb") as out:
                for piece in upload.chunks():
                    out.write(piece)
            files.append((target, name))
        history_import = history_import_create(user=user, format=format, files=files, upload_dir=folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    transaction.on_commit(lambda: tasks.import_history.delay(history_import.pk))
    return history_import


def _safe_file_name(name: str) -> str:
    try:
        return get_valid_filename(name)[:100]
    except SuspiciousFileOperation:  # names such as ".."
        return "upload"


def history_import_discard_files(*, history_import: HistoryImport) -> None:
    """Delete the uploaded files of an import (the command's imports read files it does not own)."""
    if history_import.upload_dir:
        shutil.rmtree(history_import.upload_dir, ignore_errors=True)
        history_import.upload_dir = ""
        history_import.save(update_fields=["upload_dir"])


def history_import_run(
    *,
    history_import: HistoryImport,
    progress: Callable[[int, int], None] | None = None,
    on_error: Callable[[ImportProblem], None] | None = None,
) -> HistoryImportSummary:
    """Import the files of a recorded history import into its user's listens; return the counts.

    A quick first pass counts the records (for the progress), then they are written in chunks of
    CHUNK_SIZE, each in its own transaction with the counts and progress on the row: a long import
    shows its progress and an interrupted one keeps what it wrote (running it again adds only the
    rest). A record that cannot be read is counted as failed and passed to on_error; the others
    are imported. ``progress(done, total)`` is called after each chunk. Reads at most the rows the
    caps allow (per import, per listener in 24 hours): then stops, keeping what it wrote, and says
    so in the message and summary.stopped (a row with none left reads nothing and is marked failed).
    Marks the row failed and re-raises if the import stops on an error of its own (the database, a
    time limit).
    """
    parser = importers.PARSERS[history_import.format]
    files = [(Path(item["path"]), item["name"]) for item in history_import.files]
    summary = HistoryImportSummary()
    allowed, cap_reason = _rows_allowed(user=history_import.user, exclude_pk=history_import.pk)
    history_import.status = HistoryImport.Status.RUNNING
    history_import.started_at, history_import.finished_at = timezone.now(), None
    history_import.message = ""
    if allowed <= 0:
        summary.stopped = f"Nothing was read. {cap_reason}"
        history_import.status = HistoryImport.Status.FAILED
        history_import.finished_at = history_import.started_at
        history_import.message = summary.stopped
        _save_counts(history_import, summary, "status", "started_at", "finished_at", "message")
        return summary
    _save_counts(history_import, summary, "status", "started_at", "finished_at", "message")
    try:
        summary.total = min(_count(parser, files), allowed)
        _save_counts(history_import, summary)
        if progress:
            progress(0, summary.total)
        chunk: list[Record] = []
        records = _records(parser, files)
        for record in itertools.islice(records, allowed):
            chunk.append(record)
            if len(chunk) >= CHUNK_SIZE:
                _write_chunk(history_import, chunk, summary, on_error)
                chunk = []
                if progress:
                    progress(summary.done, summary.total)
        if chunk:
            _write_chunk(history_import, chunk, summary, on_error)
            if progress:
                progress(summary.done, summary.total)
        if next(records, None) is not None:
            records.close()
            plural = "" if summary.done == 1 else "s"
            summary.stopped = f"Cut short after {summary.done:,} record{plural}: {cap_reason}"
    except BaseException as error:  # SoftTimeLimitExceeded and KeyboardInterrupt included
        history_import.status = HistoryImport.Status.FAILED
        history_import.finished_at = timezone.now()
        history_import.message = f"The import stopped: {error or type(error).__name__}"
        _save_counts(history_import, summary, "status", "finished_at", "message")
        raise
    summary.total = summary.done  # the first pass counted lines, which a header or a problem may not match
    history_import.status = HistoryImport.Status.DONE
    history_import.finished_at = timezone.now()
    history_import.message = summary.line
    if summary.failed > MAX_STORED_ERRORS:
        history_import.message += f" (the first {MAX_STORED_ERRORS:,} problems are listed)"
    if summary.stopped:
        history_import.message += f". {summary.stopped}"
    _save_counts(history_import, summary, "status", "finished_at", "message")
    _after_history_import(user=history_import.user, summary=summary)
    return summary


def _rows_allowed(*, user, exclude_pk: int | None) -> tuple[int, str]:
    """Return how many records the user's next import may read, and the cap that sets it (a sentence)."""
    per_import = settings.STREAMAPP_HISTORY_MAX_ROWS_PER_IMPORT
    per_day = settings.STREAMAPP_HISTORY_MAX_ROWS_PER_DAY
    since = timezone.now() - ROWS_WINDOW
    recent = HistoryImport.objects.filter(user=user, started_at__gte=since)
    if exclude_pk is not None:
        recent = recent.exclude(pk=exclude_pk)
    read_today = recent.aggregate(read=Sum("progress_done"))["read"] or 0
    if per_import <= per_day - read_today:
        return per_import, f"at most {per_import:,} are read per import."
    reason = f"at most {per_day:,} are read per listener in 24 hours."
    if read_today >= per_day:
        first = recent.order_by("started_at").values_list("started_at", flat=True).first()
        later = f" Try again after {(first + ROWS_WINDOW):%Y-%m-%d %H:%M} UTC." if first else ""
        reason = f"{read_today:,} records were read in the last 24 hours, and {reason}{later}"
    return per_day - read_today, reason


def _after_history_import(*, user, summary: HistoryImportSummary) -> None:
    """Announce, once committed, that an import added to a user's history (signals.history_imported).

    Analytics queues its rollups on it; listening does not import analytics.
    """
    if summary.imported:
        transaction.on_commit(lambda: _announce_history_imported(user=user, summary=summary))


def _announce_history_imported(*, user, summary: HistoryImportSummary) -> None:
    responses = signals.history_imported.send_robust(sender=HistoryImport, user=user, summary=summary)
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error("A history_imported receiver (%r) failed: %r", receiver, response, exc_info=response)


def _count(parser, files: Iterable[tuple[Path, str]]) -> int:
    total = 0
    for path, name in files:
        try:
            total += parser.count(path, name)
        except OSError:
            total += 1  # parse() reports it
    return total


def _records(parser, files: Iterable[tuple[Path, str]]) -> Iterator[Record]:
    for path, name in files:
        try:
            yield from parser.parse(path, name)
        except OSError as error:  # the file is gone or unreadable; the other files are imported
            yield ImportProblem(name, f"The file cannot be read: {error.strerror or error}.")


def _write_chunk(
    history_import: HistoryImport,
    chunk: list[Record],
    summary: HistoryImportSummary,
    on_error: Callable[[ImportProblem], None] | None,
) -> None:
    listens = [
        ListenRecord(
            listened_at=record.listened_at,
            artist_name=record.artist_name,
            track_name=record.track_name,
            release_name=record.release_name,
            recording_mbid=record.recording_mbid,
            additional_info=record.additional_info,
            ms_played=record.ms_played,
            skipped=record.skipped,
        )
        for record in chunk
        if isinstance(record, ImportedListen)
    ]
    skips = [record for record in chunk if isinstance(record, ImportedSkip)]
    problems = [record for record in chunk if isinstance(record, ImportProblem)]
    with transaction.atomic():
        written = (
            listens_write(user=history_import.user, listens=listens, source=Source.IMPORT)
            if listens
            else ListensWritten(new=0, unmatched=0)
        )
        if skips:
            _record_skips(user=history_import.user, skips=skips)
        summary.imported += written.new
        summary.unmatched += written.unmatched
        summary.duplicates += len(listens) - written.new
        summary.skipped += len(skips) + sum(1 for record in chunk if isinstance(record, IgnoredRecord))
        summary.failed += len(problems)
        room = MAX_STORED_ERRORS - len(summary.errors)
        summary.errors.extend({"position": p.position, "reason": p.reason} for p in problems[: max(room, 0)])
        summary.done += len(chunk)
        _save_counts(history_import, summary)
    if on_error:
        for problem in problems:
            on_error(problem)


def _record_skips(*, user, skips: list[ImportedSkip]) -> None:
    """Keep each skip whose track is in the catalog as a skipped play (a play needs a track)."""
    track_ids = match_tracks(
        [
            MatchQuery(
                artist_name=skip.artist_name, track_name=skip.track_name, release_name=skip.release_name
            )
            for skip in skips
        ]
    )
    plays = [
        Play(
            user=user,
            track_id=track_id,
            play_id=uuid.uuid5(PLAY_ID_NAMESPACE, skip.play_key),
            started_at=skip.started_at,
            ended_at=skip.ended_at,
            ms_played=skip.ms_played,
            skipped=True,
            source=Source.IMPORT,
        )
        for skip, track_id in zip(skips, track_ids, strict=True)
        if track_id is not None
    ]
    Play.objects.bulk_create(plays, ignore_conflicts=True, batch_size=1000)
    if plays:
        selectors.listener_changed(user_ids=[user.pk])


def _save_counts(history_import: HistoryImport, summary: HistoryImportSummary, *extra_fields: str) -> None:
    history_import.imported = summary.imported
    history_import.duplicates = summary.duplicates
    history_import.skipped = summary.skipped
    history_import.unmatched = summary.unmatched
    history_import.failed = summary.failed
    history_import.errors = summary.errors
    history_import.progress_done = summary.done
    history_import.progress_total = summary.total
    history_import.save(
        update_fields=[
            "imported",
            "duplicates",
            "skipped",
            "unmatched",
            "failed",
            "errors",
            "progress_done",
            "progress_total",
            *extra_fields,
        ]
    )
