"""The nightly rebuild: start a run (taking the lock), train, generate per chunk of listeners, finish.

The same stage functions serve both ways of running it: the Celery workflow in ``tasks.py``
(train task, then a chord of chunk tasks that any worker may take, then the finish task) and
``run_sync`` (in process, for ``manage.py rebuild_recommendations`` and the benchmark).
"""

import logging
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from recommend import chunk_worker  # outside the services package: importable before Django

from ..models import RecommendationList, RecommendationRun, SimilarArtistList, SimilarTrackList
from . import frames, generation, lock, training

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# A queued run that no worker started in this long lost its message: a later run marks it failed.
PENDING_TIMEOUT = timedelta(minutes=30)

Progress = Callable[[str, int, int], None]


def run_create(*, trigger: str = RecommendationRun.Trigger.SCHEDULE) -> RecommendationRun:
    """Record a pending run (the admin's "rebuild now" shows it at once)."""
    return RecommendationRun.objects.create(trigger=trigger, model_name=training.model_name())


def run_start(run: RecommendationRun) -> lock.Lease:
    """Take the lock for the run and mark it running; raise LockHeld (run marked failed) if taken."""
    try:
        lease = lock.lock_acquire(run=run)
    except lock.LockHeld as error:
        run_fail(run, str(error))
        raise
    run.status = RecommendationRun.Status.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    # Queued runs that no worker took (their message was lost) would stay pending forever.
    RecommendationRun.objects.filter(
        status=RecommendationRun.Status.PENDING, created_at__lt=run.started_at - PENDING_TIMEOUT
    ).update(
        status=RecommendationRun.Status.FAILED,
        finished_at=run.started_at,
        error="No worker started this run; a later run replaced it.",
    )
    return lease


def rebuild_blocker() -> str | None:
    """Return why a new rebuild can't start now (a live run holds the lock, or one is queued), or None."""
    held = lock.live_lock()
    if held is not None:
        return f"Run {held.run_id} is in progress: {lock.lock_description(held)}."
    queued = (
        RecommendationRun.objects.filter(
            status=RecommendationRun.Status.PENDING, created_at__gte=timezone.now() - PENDING_TIMEOUT
        )
        .order_by("created_at")
        .first()
    )
    if queued is not None:
        return (
            f"Run {queued.pk} was queued at {lock.utc_text(queued.created_at)} and waits for a worker "
            "(is a Celery worker running?)."
        )
    return None


def run_fail(run: RecommendationRun, error: str) -> None:
    """Mark the run failed with the error (the previous playlists stay in place)."""
    RecommendationRun.objects.filter(pk=run.pk).update(
        status=RecommendationRun.Status.FAILED, finished_at=timezone.now(), error=error[:20_000]
    )
    lease = lock.lease_for_run(run.pk)
    if lease:
        lock.lock_release(lease)


def chunked(user_ids: Sequence[int], size: int = CHUNK_SIZE) -> list[list[int]]:
    return [list(user_ids[start : start + size]) for start in range(0, len(user_ids), size)]


def train_stage(
    run: RecommendationRun, *, user_ids: Sequence[int] | None = None, chunk_size: int = CHUNK_SIZE
) -> tuple[training.TrainedModel, list[list[int]]]:
    """Train and persist the run's model, write item neighbours; return it and the listener chunks.

    ``user_ids`` restricts generation to those listeners (the model always learns from everyone).
    """
    timings: dict = {}
    with lock.Heartbeat(lock.lease_for_run(run.pk)) as heartbeat:
        clock = {"cpu": time.process_time()}

        def step(stage: str) -> None:
            """Beside each stage's wall seconds, this process's CPU seconds (all its threads)."""
            now = time.process_time()
            timings[f"{stage}_cpu"] = round(timings.get(f"{stage}_cpu", 0.0) + now - clock["cpu"], 3)
            clock["cpu"] = now
            heartbeat.check(stage)

        # The item neighbours need only the model: they are written beside the chunks
        # (``neighbours_stage``), on a core the chunks would otherwise leave to the training.
        trained = training.train(run=run, timings=timings, on_step=step, write_similar=False)
        listeners = frames.listener_ids() if user_ids is None else sorted(int(u) for u in user_ids)
        heartbeat.check("training")
    tracks = int(len(trained.item_ids))
    RecommendationRun.objects.filter(pk=run.pk).update(
        stage_timings=timings, metrics=trained.metrics, tracks=tracks, model_name=trained.model_name
    )
    run.stage_timings, run.metrics, run.tracks = timings, trained.metrics, tracks
    return trained, chunked(listeners, chunk_size)


def chunk_stage(
    run_id: int, user_ids: Sequence[int], *, trained: training.TrainedModel | None = None
) -> dict:
    """Generate one chunk of the run; return its counts (``{"skipped_run": True}`` if the run is gone).

    A chunk of a run that lost its lock (killed and taken over) does nothing: a newer run owns
    the playlists now. A failure is reported in the result, not raised, so the other chunks and
    the finish still run; the chunk's listeners keep their previous lists.
    """
    lease = lock.lease_for_run(run_id)
    if lease is None or not lock.lock_refresh(lease):
        return {"skipped_run": True}
    try:
        with lock.Heartbeat(lease):
            trained = trained or training.load_trained(run_id)
            result = generation.generate_chunk(trained, user_ids, run_id=run_id)
    except Exception as error:  # noqa: BLE001 - reported in the run, the chunk's old lists stay
        logger.exception("recommendation run %s: a chunk of %d listeners failed", run_id, len(user_ids))
        return {"failed": len(user_ids), "error": f"{type(error).__name__}: {error}"}
    RecommendationRun.objects.filter(pk=run_id).update(
        listeners=F("listeners") + result.listeners, playlists=F("playlists") + result.playlists
    )
    return result.as_dict()


NEIGHBOURS_STAGE = "neighbours"


def neighbours_stage(run_id: int, *, trained: training.TrainedModel | None = None) -> dict:
    """Write the run's item neighbours (similar tracks and artists) from its model; return how long
    it took (``{"skipped_run": True}`` if the run is gone). It runs beside the generation chunks (it
    needs only the persisted model); a failure is reported in the result and fails the run, the
    previous neighbours staying in place."""
    lease = lock.lease_for_run(run_id)
    if lease is None or not lock.lock_refresh(lease):
        return {"stage": NEIGHBOURS_STAGE, "skipped_run": True}
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        with lock.Heartbeat(lease):
            training.write_neighbours(trained or training.load_trained(run_id))
    except Exception as error:  # noqa: BLE001 - reported in the run, the old neighbours stay
        logger.exception("recommendation run %s: the item neighbours failed", run_id)
        return {"stage": NEIGHBOURS_STAGE, "error": f"item neighbours: {type(error).__name__}: {error}"}
    return {
        "stage": NEIGHBOURS_STAGE,
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - started_cpu, 3),
    }


def finish_stage(run_id: int, results: Sequence[dict] | None = None) -> RecommendationRun:
    """Record the run's outcome from its chunks' results, release the lock, drop old model files."""
    results = [r or {} for r in (results or [])]
    neighbours = [r for r in results if r.get("stage") == NEIGHBOURS_STAGE]
    results = [r for r in results if r.get("stage") != NEIGHBOURS_STAGE]
    with transaction.atomic():
        run = RecommendationRun.objects.select_for_update().get(pk=run_id)
        now = timezone.now()
        failed = sum(r.get("failed", 0) for r in results)
        errors = sorted({r["error"] for r in results if r.get("error")})
        lost = any(r.get("skipped_run") for r in results + neighbours)
        timings = dict(run.stage_timings)
        overlapping = ("generate", NEIGHBOURS_STAGE)
        train_seconds = sum(v for k, v in timings.items() if k not in overlapping and not k.endswith("_cpu"))
        if run.started_at:
            timings["generate"] = round(max(0.0, (now - run.started_at).total_seconds() - train_seconds), 3)
        # The chunks' own CPU seconds, whichever processes or machines ran them.
        timings["generate_cpu"] = round(sum(r.get("cpu_seconds", 0.0) for r in results), 3)
        for result in neighbours:  # written beside the chunks: within "generate"'s wall time
            if "seconds" in result:
                timings[NEIGHBOURS_STAGE] = result["seconds"]
                timings[f"{NEIGHBOURS_STAGE}_cpu"] = result["cpu_seconds"]
        neighbour_errors = [r["error"] for r in neighbours if r.get("error")]
        run.stage_timings = timings
        run.finished_at = now
        if failed or lost or neighbour_errors:
            run.status = RecommendationRun.Status.FAILED
            parts = list(neighbour_errors)
            if failed:
                parts.append(f"{failed} listeners kept their previous lists: " + "; ".join(errors))
            if lost:
                parts.append("the run lost its lock before every chunk ran")
            run.error = ". ".join(parts)[:20_000]
        else:
            run.status = RecommendationRun.Status.SUCCEEDED
        run.save(update_fields=["stage_timings", "finished_at", "status", "error"])
    lease = lock.lease_for_run(run_id)
    if lease:
        lock.lock_release(lease)
    if run.status == RecommendationRun.Status.SUCCEEDED:
        keep = set(
            RecommendationRun.objects.filter(status=RecommendationRun.Status.SUCCEEDED).values_list(
                "pk", flat=True
            )[:1]
        )
        running = RecommendationRun.objects.filter(
            status__in=[RecommendationRun.Status.RUNNING, RecommendationRun.Status.PENDING]
        ).values_list("pk", flat=True)
        training.remove_old_artifacts(keep=keep | set(running))
        _analyze_rewritten_tables()
    return run


def _analyze_rewritten_tables() -> None:
    """Refresh PostgreSQL's statistics of the tables a run rewrites wholesale: with stale ones the
    planner picks slow plans for radio and similar-item reads until autovacuum gets to them."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    # Generated playlists' entries are packed on their Playlist rows, which the run updates in place.
    rewritten = (SimilarTrackList, SimilarArtistList, RecommendationList)
    tables = [m._meta.db_table for m in rewritten]
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
    except Exception:  # statistics are an optimisation: the run itself succeeded
        logger.exception("ANALYZE after the recommendation run failed")


def fail_with_traceback(run_id: int, error: BaseException) -> None:
    """Record a stage's exception on the run (with its traceback) and free the lock."""
    text = f"{type(error).__name__}: {error}\n\n" + "".join(traceback.format_exception(error))[-8000:]
    run = RecommendationRun.objects.filter(pk=run_id).first()
    if run is not None:
        run_fail(run, text)


def run_sync(
    progress: Progress | None = None,
    *,
    user_ids: Sequence[int] | None = None,
    trigger: str = RecommendationRun.Trigger.COMMAND,
    chunk_size: int = CHUNK_SIZE,
    processes: int | None = None,
) -> RecommendationRun:
    """Run the whole rebuild from this process and return the finished run.

    ``progress(stage, done, total)`` is called as stages advance ("train" 0/1, 1/1, then
    "generate" with listeners done). Chunks are generated by ``processes`` forked workers
    (default: STREAMAPP_RECOMMEND_PROCESSES, else one per CPU) on PostgreSQL, as Celery workers
    would share them; in this process alone on SQLite (one writer at a time) or when called
    inside a transaction (forked workers could not see its rows). Raises LockHeld if another run
    is in progress.
    """
    report = progress or (lambda _stage, _done, _total: None)
    run = run_create(trigger=trigger)
    run_start(run)
    try:
        report("train", 0, 1)
        trained, chunks = train_stage(run, user_ids=user_ids, chunk_size=chunk_size)
        report("train", 1, 1)
        total = sum(len(c) for c in chunks)
        report("generate", 0, total)
        results, done = [], 0
        workers = _processes(processes, len(chunks) + 1)
        for result, size in _generate_all(run.pk, trained, chunks, workers):
            results.append(result)
            done += size
            report("generate", done, total)
    except Exception as error:
        fail_with_traceback(run.pk, error)
        raise
    return finish_stage(run.pk, results)


def _processes(requested: int | None, chunks: int) -> int:
    wanted = requested or settings.STREAMAPP_RECOMMEND_PROCESSES or os.cpu_count() or 1
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, min(int(wanted), chunks))


def _generate_all(run_id: int, trained, chunks: list[list[int]], processes: int):
    """Yield (chunk result, chunk size) as chunks finish, in this process or in worker processes
    that memory-map the persisted model (as Celery workers on other machines do)."""
    if processes <= 1 or not trained.path:
        yield neighbours_stage(run_id, trained=trained), 0
        for chunk in chunks:
            yield chunk_stage(run_id, chunk, trained=trained), len(chunk)
        return
    context = multiprocessing.get_context("spawn")  # not fork: BLAS and driver threads
    arguments = (str(connection.settings_dict["NAME"]), trained.path)
    with ProcessPoolExecutor(
        processes, mp_context=context, initializer=chunk_worker.setup, initargs=arguments
    ) as pool:
        # A worker that dies (killed, out of memory) breaks the pool: its chunk raises here and the
        # run fails; the chunks already swapped keep their new lists, the others their old ones.
        # The neighbours first: one worker writes them while the others start on the chunks.
        futures = [pool.submit(chunk_worker.neighbours, run_id)]
        futures += [pool.submit(chunk_worker.generate, run_id, chunk) for chunk in chunks]
        for future in as_completed(futures):
            yield future.result()
