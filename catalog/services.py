"""Writes to the catalog: importing a library folder (from the command line or queued from the admin),
measuring the loudness of its files."""

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import loudness, selectors, signals, tasks
from .import_lock import ImportAlreadyRunning, LoudnessAlreadyRunning, library_import_lock, loudness_lock
from .importer import REPLAYGAIN_FIELDS, ImportSummary, LibraryImporter
from .models import Album, AudioFile, LibraryImport
from .tags import TagReadError, read_audio_file

__all__ = [
    "ImportAlreadyRunning",
    "ImportSummary",
    "LoudnessAlreadyRunning",
    "LoudnessSummary",
    "album_loudness_refresh",
    "loudness_measure_missing",
    "library_import",
    "library_import_create",
    "library_import_fail",
    "library_import_start",
    "library_path_validate",
]

logger = logging.getLogger(__name__)

# The errors kept on a LibraryImport row (the summary returned by library_import keeps them all).
MAX_STORED_ERRORS = 1000
# Files measured between two writes: a short transaction, and a bounded loss if a run is interrupted.
LOUDNESS_BATCH = 100
LOUDNESS_FIELDS = ["loudness_lufs", "true_peak_dbtp", "loudness_error", "loudness_measured_at"]


def library_path_validate(*, path: str) -> Path:
    """Return the absolute path of a readable folder on this server; raise ValidationError otherwise."""
    if not path or not str(path).strip():
        raise ValidationError({"path": "Enter the path of a folder on the server."})
    try:
        root = Path(str(path).strip()).expanduser().resolve(strict=True)
    except (OSError, RuntimeError):
        raise ValidationError({"path": f"{path} does not exist on the server."}) from None
    if not root.is_dir():
        raise ValidationError({"path": f"{path} is not a folder."})
    if not os.access(root, os.R_OK | os.X_OK):
        raise ValidationError({"path": f"{path} cannot be read by the server."})
    return root


def library_import_create(*, path: str, user=None) -> LibraryImport:
    """Record a pending import of the folder at path (validated first)."""
    root = library_path_validate(path=path)
    return LibraryImport.objects.create(path=str(root), created_by=user)


@transaction.atomic
def library_import_start(*, path: str, user) -> LibraryImport:
    """Record an import of the folder at path and queue it on Celery once the transaction commits."""
    library_import = library_import_create(path=path, user=user)
    transaction.on_commit(lambda: tasks.import_library.delay(library_import.pk))
    return library_import


def library_import_fail(*, library_import: LibraryImport, message: str) -> LibraryImport:
    """Mark an import that could not run as failed, with the reason."""
    library_import.status = LibraryImport.Status.FAILED
    library_import.message = message
    library_import.finished_at = timezone.now()
    library_import.save(update_fields=["status", "message", "finished_at"])
    return library_import


def library_import(
    *,
    root: Path,
    library_import: LibraryImport | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import the audio files under root into the catalog, return the counts and record them on the row.

    New files are added, changed ones updated, files gone from root marked unavailable, unreadable
    ones reported in the summary's errors and skipped. ``progress(done, total)`` is called per file.
    Raises ValidationError if root is not a readable folder, ImportAlreadyRunning if another import
    holds the lock. Each batch of files is committed on its own, so a long import shows its progress
    and an interrupted one keeps the batches it finished (running it again completes it).
    """
    try:
        root = library_path_validate(path=str(root))
    except ValidationError as error:
        if library_import:
            library_import_fail(library_import=library_import, message=" ".join(error.messages))
        raise
    try:
        with library_import_lock():
            return _library_import_locked(root=root, library_import=library_import, progress=progress)
    except ImportAlreadyRunning:
        if library_import:
            library_import.message = "Waiting for another library import to finish."
            library_import.save(update_fields=["message"])
        raise


def _library_import_locked(*, root: Path, library_import: LibraryImport | None, progress) -> ImportSummary:
    now = timezone.now()
    # Holding the lock, any other import still marked running was interrupted (its process died).
    stale = LibraryImport.objects.filter(status=LibraryImport.Status.RUNNING)
    if library_import:
        stale = stale.exclude(pk=library_import.pk)
    stale.update(
        status=LibraryImport.Status.FAILED, finished_at=now, message="Interrupted before it finished."
    )

    on_batch = None
    if library_import:
        library_import.status = LibraryImport.Status.RUNNING
        library_import.started_at, library_import.finished_at = now, None
        library_import.message = ""
        _record_counts(
            library_import, ImportSummary(), extra_fields=["status", "started_at", "finished_at", "message"]
        )

        def on_batch(summary: ImportSummary) -> None:
            _record_counts(library_import, summary)

    importer = LibraryImporter(root, progress=progress, on_batch=on_batch)
    try:
        summary = importer.run()
        if summary.added or summary.updated or summary.removed:
            selectors.catalog_changed()
            # The genre counts, recomputed here rather than by the next visit of the home page.
            selectors.genre_overview_refresh()
        if summary.added or summary.updated:
            _announce_library_changed(summary)
            if settings.STREAMAPP_LOUDNESS_ON_IMPORT:
                # Measuring decodes every file in full: the worker does it after the import, in bulk.
                transaction.on_commit(tasks.measure_loudness.delay)
    except BaseException as error:  # SoftTimeLimitExceeded and KeyboardInterrupt included
        partial = importer.summary
        if partial.added or partial.updated or partial.removed:
            selectors.catalog_changed()  # the batches it committed
        if library_import:
            library_import.status = LibraryImport.Status.FAILED
            library_import.finished_at = timezone.now()
            library_import.message = f"The import stopped: {error or type(error).__name__}"
            _record_counts(
                library_import, importer.summary, extra_fields=["status", "finished_at", "message"]
            )
        raise
    if library_import:
        library_import.status = LibraryImport.Status.DONE
        library_import.finished_at = timezone.now()
        library_import.message = summary.line
        if len(summary.errors) > MAX_STORED_ERRORS:
            library_import.message += f" (only the first {MAX_STORED_ERRORS} errors are listed)"
        _record_counts(library_import, summary, extra_fields=["status", "finished_at", "message"])
    return summary


def _announce_library_changed(summary: ImportSummary) -> None:
    """Tell the other apps the catalog gained or changed tracks; add the lines they return."""
    for receiver, response in signals.library_changed.send_robust(sender=LibraryImporter, summary=summary):
        if isinstance(response, BaseException):
            logger.error("A library_changed receiver (%r) failed: %r", receiver, response, exc_info=response)
        elif response:
            summary.notes.append(str(response))


def _record_counts(library_import: LibraryImport, summary: ImportSummary, extra_fields=()) -> None:
    for name in ("files_seen", "added", "updated", "unchanged", "failed", "removed"):
        setattr(library_import, name, getattr(summary, name))
    library_import.errors = summary.errors[:MAX_STORED_ERRORS]
    library_import.save(
        update_fields=[
            "files_seen",
            "added",
            "updated",
            "unchanged",
            "failed",
            "removed",
            "errors",
            *extra_fields,
        ]
    )


# -- loudness -----------------------------------------------------------------------------------------


@dataclass
class LoudnessSummary:
    """The outcome of one loudness run: files measured, files that could not be, albums recomputed."""

    measured: int = 0
    failed: int = 0
    albums: int = 0
    remaining: int = 0  # files still to measure after the run (left by its limit)
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def line(self) -> str:
        return (
            f"{self.measured} measured, {self.failed} failed, {self.albums} albums updated, "
            f"{self.remaining} left to measure"
        )


def loudness_measure_missing(
    *, limit: int | None = None, progress: Callable[[int, int], None] | None = None
) -> LoudnessSummary:
    """Measure the loudness of the available files not measured yet (new, or whose content changed).

    Runs up to STREAMAPP_LOUDNESS_PROCESSES ffmpeg processes at once; each batch of results is written
    with one bulk update in a short transaction, with the loudness of the albums it touched. Files ffmpeg
    cannot decode keep the reason (and are not tried again until their content changes). Idempotent: a
    second run finds nothing to do. Raises LoudnessAlreadyRunning if another run holds the lock.
    """
    with loudness_lock():
        pending = list(selectors.loudness_pending().values_list("pk", flat=True)[:limit])
        summary = LoudnessSummary()
        total, done = len(pending), 0
        if progress:
            progress(0, total)
        workers = settings.STREAMAPP_LOUDNESS_PROCESSES or os.cpu_count() or 1
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="loudness") as pool:
            for start in range(0, total, LOUDNESS_BATCH):
                batch = pending[start : start + LOUDNESS_BATCH]
                for done_in_batch in _loudness_batch(batch, pool=pool, summary=summary):
                    if progress:
                        progress(done + done_in_batch, total)
                done += len(batch)
        summary.remaining = selectors.loudness_pending().count()
    return summary


def _loudness_batch(ids: list[int], *, pool: ThreadPoolExecutor, summary: LoudnessSummary) -> Iterator[int]:
    """Measure one batch of files in the pool, yielding the count done after each; then write them."""
    files = list(
        selectors.loudness_pending().filter(pk__in=ids).only("pk", "path", "checksum", *REPLAYGAIN_FIELDS)
    )
    ffmpeg, timeout = settings.STREAMAPP_FFMPEG, settings.STREAMAPP_LOUDNESS_TIMEOUT_SECONDS
    futures = {pool.submit(_measure_file, f.path, ffmpeg=ffmpeg, timeout=timeout): f for f in files}
    results: dict[int, tuple[loudness.Measurement, dict | None]] = {}
    for count, future in enumerate(as_completed(futures), start=1):
        results[futures[future].pk] = future.result()
        yield count
    _loudness_write(files, results, summary=summary)


def _measure_file(path: str, *, ffmpeg: str, timeout: float) -> tuple[loudness.Measurement, dict | None]:
    """Measure a file, and read its ReplayGain tags again (a library imported before they were read has
    them only from here); None for the tags if they cannot be read."""
    measurement = loudness.measure(path, ffmpeg=ffmpeg, timeout=timeout)
    try:
        tags = read_audio_file(Path(path))
    except TagReadError:
        return measurement, None
    return measurement, {name: getattr(tags, name) for name in REPLAYGAIN_FIELDS}


@transaction.atomic
def _loudness_write(
    files: list[AudioFile], results: dict[int, tuple[loudness.Measurement, dict | None]], *,
    summary: LoudnessSummary,
) -> None:
    """Store the measurements of files whose content did not change meanwhile; refresh their albums."""
    now = timezone.now()
    current = dict(
        AudioFile.objects.select_for_update()
        .filter(pk__in=[f.pk for f in files], loudness_measured_at__isnull=True)
        .values_list("pk", "checksum")
    )
    written = []
    for audio_file in files:
        if current.get(audio_file.pk) != audio_file.checksum:
            continue  # measured by another run, or re-imported with new content: measured again later
        result, replaygain = results[audio_file.pk]
        for name, value in (replaygain or {}).items():
            setattr(audio_file, name, value)
        audio_file.loudness_lufs, audio_file.true_peak_dbtp = result.loudness_lufs, result.true_peak_dbtp
        audio_file.loudness_error, audio_file.loudness_measured_at = result.error, now
        written.append(audio_file)
        if result.error:
            summary.failed += 1
            summary.errors.append({"path": audio_file.path, "reason": result.error})
            logger.warning("Loudness of %s not measured: %s", audio_file.path, result.error)
        else:
            summary.measured += 1
    AudioFile.objects.bulk_update(written, [*LOUDNESS_FIELDS, *REPLAYGAIN_FIELDS])
    album_ids = selectors.albums_of_files([audio_file.pk for audio_file in written])
    summary.albums += album_loudness_refresh(album_ids=album_ids)
    if written:
        # Cached song entries carry the loudness (the Subsonic API's replayGain): make them stale.
        selectors.catalog_changed()


def album_loudness_refresh(*, album_ids: Iterable[int]) -> int:
    """Recompute the loudness and true peak of these albums from their tracks' files; return how many
    albums changed. Two queries per 500 albums."""
    album_ids = sorted(set(album_ids))
    changed = 0
    for start in range(0, len(album_ids), 500):
        chunk = album_ids[start : start + 500]
        per_album: dict[int, list] = {album_id: [] for album_id in chunk}
        for album_id, *values in selectors.album_track_loudness(album_ids=chunk):
            per_album[album_id].append(values)
        albums = []
        for album in Album.objects.filter(pk__in=chunk).only("pk", "loudness_lufs", "true_peak_dbtp"):
            values = loudness.album_loudness(per_album[album.pk])
            if (album.loudness_lufs, album.true_peak_dbtp) != values:
                album.loudness_lufs, album.true_peak_dbtp = values
                albums.append(album)
        Album.objects.bulk_update(albums, ["loudness_lufs", "true_peak_dbtp"])
        changed += len(albums)
    return changed
