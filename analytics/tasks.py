"""Celery tasks of analytics: they only call the rollup services."""

import logging

from celery import shared_task

from analytics import rollups, staff_activity

logger = logging.getLogger(__name__)

# The name listening's history import queues by (it may not import analytics: see docs/style.md).
ROLLUP_TASK_NAME = "analytics.rollup"


@shared_task(name=ROLLUP_TASK_NAME)
def rollup(reconcile: bool = False) -> str:
    """Bring the rollups up to date (the changed days only), then warm the staff dashboard's caches
    for the new run (its first view is then as quick as the next ones); return the summary line."""
    line = rollups.rollup_run(reconcile=reconcile).line
    try:
        staff_activity.warm_staff_caches()
    except Exception:  # the rollups are committed; a cold dashboard only costs its first view
        logger.exception("Warming the staff dashboard's caches failed")
    return line
