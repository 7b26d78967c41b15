"""Celery tasks of the nightly rebuild: each takes ids and calls a workflow service.

``recommend.rebuild`` (scheduled at 03:00, or queued by the admin's "rebuild now") takes the lock
and trains, then fans out a chord of ``recommend.item_neighbours`` and ``recommend.generate_chunk``
tasks that any worker on any machine may take (they read the persisted model), and
``recommend.finish_run`` records the run.
"""

import logging

from celery import chord, shared_task
from django.db import transaction

from .models import RecommendationRun
from .services import lock, workflow

logger = logging.getLogger(__name__)

TRAIN_SOFT_TIME_LIMIT = 2 * 3600


@shared_task(
    name="recommend.rebuild", soft_time_limit=TRAIN_SOFT_TIME_LIMIT, time_limit=TRAIN_SOFT_TIME_LIMIT + 300
)
def rebuild(
    run_id: int | None = None,
    trigger: str = RecommendationRun.Trigger.SCHEDULE,
    chunk_size: int | None = None,
) -> dict:
    """Start the run (``run_id`` from "rebuild now", else a new scheduled one), train, fan out
    chunks of ``chunk_size`` listeners (default ``workflow.CHUNK_SIZE``)."""
    run = RecommendationRun.objects.filter(pk=run_id).first() if run_id else None
    if run is None:
        run = workflow.run_create(trigger=trigger)
    elif run.status != RecommendationRun.Status.PENDING:
        return {"run": run.pk, "status": run.status}  # a redelivered message: it already started
    try:
        workflow.run_start(run)
    except lock.LockHeld as error:
        logger.warning("recommendation run %s not started: %s", run.pk, error)
        return {"run": run.pk, "status": "locked"}
    try:
        _, chunks = workflow.train_stage(run, chunk_size=chunk_size or workflow.CHUNK_SIZE)
    except Exception as error:
        workflow.fail_with_traceback(run.pk, error)
        raise
    # The item neighbours beside the chunks (they need only the persisted model).
    header = [item_neighbours.s(run.pk), *(generate_chunk.s(run.pk, chunk) for chunk in chunks)]
    chord(header)(finish_run.s(run.pk))
    return {"run": run.pk, "status": "training done", "chunks": len(chunks)}


@shared_task(name="recommend.generate_chunk")
def generate_chunk(run_id: int, user_ids: list[int]) -> dict:
    """Generate one chunk of listeners' lists for the run."""
    return workflow.chunk_stage(run_id, user_ids)


@shared_task(name="recommend.item_neighbours")
def item_neighbours(run_id: int) -> dict:
    """Write the run's similar tracks and artists from its persisted model."""
    return workflow.neighbours_stage(run_id)


@shared_task(name="recommend.finish_run")
def finish_run(results: list[dict], run_id: int) -> dict:
    """Record the run's outcome (the chord's callback: ``results`` are the chunks' counts)."""
    run = workflow.finish_stage(run_id, results)
    return {"run": run.pk, "status": run.status, "listeners": run.listeners, "playlists": run.playlists}


def rebuild_queue(*, trigger: str = RecommendationRun.Trigger.MANUAL) -> RecommendationRun:
    """Record a pending run and queue its rebuild once the transaction commits."""
    run = workflow.run_create(trigger=trigger)
    transaction.on_commit(lambda: rebuild.delay(run.pk, trigger))
    return run
