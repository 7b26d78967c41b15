"""Celery tasks of the catalog: each loads its row by id and calls a service."""

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from . import services
from .models import LibraryImport

logger = logging.getLogger(__name__)

# While another import holds the lock, try again every 30 s for up to two hours.
LOCK_RETRY_SECONDS = 30
LOCK_MAX_RETRIES = 240
# A first import reads every file in full (for its checksum): allow hours, not the default hour.
IMPORT_SOFT_TIME_LIMIT = 6 * 3600
# One run measures STREAMAPP_LOUDNESS_TASK_BATCH files (2,000: minutes on two cores).
LOUDNESS_SOFT_TIME_LIMIT = 3 * 3600


@shared_task(
    name="catalog.import_library",
    bind=True,
    max_retries=LOCK_MAX_RETRIES,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_SOFT_TIME_LIMIT + 300,
)
def import_library(self, library_import_id: int) -> dict:
    """Run the recorded library import; wait for another one that is running to finish first."""
    try:
        library_import = LibraryImport.objects.get(pk=library_import_id)
    except LibraryImport.DoesNotExist:
        logger.warning("Library import %s was deleted before it ran", library_import_id)
        return {"status": "missing"}
    if library_import.status in (LibraryImport.Status.DONE, LibraryImport.Status.FAILED):
        return {"status": library_import.status}  # a redelivered message: it already ran
    try:
        summary = services.library_import(root=Path(library_import.path), library_import=library_import)
    except services.ImportAlreadyRunning as error:
        if self.request.retries >= self.max_retries:
            services.library_import_fail(library_import=library_import, message=str(error))
            return {"status": LibraryImport.Status.FAILED}
        raise self.retry(countdown=LOCK_RETRY_SECONDS) from error
    except ValidationError:
        return {"status": LibraryImport.Status.FAILED}  # the row says why (the folder is gone)
    return {
        "status": LibraryImport.Status.DONE,
        "files_seen": summary.files_seen,
        "added": summary.added,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "removed": summary.removed,
        "failed": summary.failed,
    }


@shared_task(
    name="catalog.measure_loudness",
    soft_time_limit=LOUDNESS_SOFT_TIME_LIMIT,
    time_limit=LOUDNESS_SOFT_TIME_LIMIT + 300,
)
def measure_loudness(limit: int | None = None) -> dict:
    """Measure the loudness of files not measured yet, STREAMAPP_LOUDNESS_TASK_BATCH at most per run.

    Without a limit, a run that left files to measure queues the next run (each run stays short, and
    other tasks get the worker in between). A run finding another one at work ends: that one measures.
    """
    batch = limit if limit is not None else settings.STREAMAPP_LOUDNESS_TASK_BATCH
    try:
        summary = services.loudness_measure_missing(limit=batch)
    except services.LoudnessAlreadyRunning:
        return {"status": "already running"}
    if limit is None and summary.remaining and (summary.measured or summary.failed):
        transaction.on_commit(measure_loudness.delay)
    return {
        "status": "done",
        "measured": summary.measured,
        "failed": summary.failed,
        "albums": summary.albums,
        "remaining": summary.remaining,
    }
