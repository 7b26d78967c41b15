"""Celery tasks of analytics: they only call the rollup services."""

from celery import shared_task
from django.contrib.auth import get_user_model

from analytics import rollups

# The name listening's history import queues by (it may not import analytics: see STYLE.md).
ROLLUP_TASK_NAME = "analytics.rollup"


@shared_task(name=ROLLUP_TASK_NAME)
def rollup() -> str:
    """Bring the rollups up to date (the changed days only); return the summary line."""
    return rollups.rollup_run().line


@shared_task(name="analytics.rebuild_listener")
def rebuild_listener(user_id: int) -> int:
    """Rebuild one listener's rollups in their current time zone; return the days written."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return 0
    return rollups.listener_rollup_rebuild(user=user)
