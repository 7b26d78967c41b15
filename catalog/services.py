"""Writes to the catalog: importing a library folder, from the command line or queued from the admin."""

import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import selectors, signals, tasks
from .import_lock import ImportAlreadyRunning, library_import_lock
from .importer import ImportSummary, LibraryImporter
from .models import LibraryImport

__all__ = [
    "ImportAlreadyRunning",
    "ImportSummary",
    "library_import",
    "library_import_create",
    "library_import_fail",
    "library_import_start",
    "library_path_validate",
]

logger = logging.getLogger(__name__)

# The errors kept on a LibraryImport row (the summary returned by library_import keeps them all).
MAX_STORED_ERRORS = 1000


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
