"""Celery tasks of listening: each loads its row by id and calls a service."""

import logging

from celery import shared_task

from . import services
from .models import HistoryImport

logger = logging.getLogger(__name__)

# A history of 100,000s of listens takes minutes; allow hours, not the default hour.
IMPORT_SOFT_TIME_LIMIT = 3 * 3600


@shared_task(
    name="listening.import_history",
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_SOFT_TIME_LIMIT + 300,
)
def import_history(history_import_id: int) -> dict:
    """Run the recorded history import, then delete its uploaded files."""
    try:
        history_import = HistoryImport.objects.select_related("user").get(pk=history_import_id)
    except HistoryImport.DoesNotExist:
        logger.warning("History import %s was deleted before it ran", history_import_id)
        return {"status": "missing"}
    if history_import.status in (HistoryImport.Status.DONE, HistoryImport.Status.FAILED):
        return {"status": history_import.status}  # a redelivered message: it already ran
    try:
        summary = services.history_import_run(history_import=history_import)
    finally:
        services.history_import_discard_files(history_import=history_import)
    return {
        "status": history_import.status,  # failed when the listener's rows of the day were all read
        "imported": summary.imported,
        "duplicates": summary.duplicates,
        "skipped": summary.skipped,
        "unmatched": summary.unmatched,
        "failed": summary.failed,
    }
