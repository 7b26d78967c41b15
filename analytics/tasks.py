"""Celery tasks of analytics: they only call the rollup services."""

from celery import shared_task

from analytics import rollups

# The name listening's history import queues by (it may not import analytics: see STYLE.md).
ROLLUP_TASK_NAME = "analytics.rollup"


@shared_task(name=ROLLUP_TASK_NAME)
def rollup(reconcile: bool = False) -> str:
    """Bring the rollups up to date (the changed days only); return the summary line."""
    return rollups.rollup_run(reconcile=reconcile).line
