"""The rebuild lock: one row per lock name in the database, taken atomically, kept alive by a heartbeat.

A database row (not the cache) because the embedded setup's cache is per process, while the web
process, the beat scheduler and every worker share the database. The process running a run's
current stage (training, a chunk) keeps a ``Heartbeat`` thread that refreshes the lock every
STREAMAPP_RECOMMEND_HEARTBEAT_SECONDS, long training included; the stages also refresh it between
steps. A run that was killed stops beating: once its last heartbeat is older than
STREAMAPP_RECOMMEND_STALE_SECONDS the lock is dead, and the next run takes it over and marks the
dead run failed.

Between the training task and the first chunk task (chunks waiting in the queue for a free worker)
nobody beats: a chord that waits longer than the stale limit may be overtaken by a new run, whose
takeover makes the late chunks do nothing.
"""

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from ..models import RecommendationRun, RunLock

logger = logging.getLogger(__name__)

REBUILD_LOCK = "recommend.rebuild"


def stale_after() -> timedelta:
    """Return how old a lock's last heartbeat may be before its run counts as dead."""
    return timedelta(seconds=float(settings.STREAMAPP_RECOMMEND_STALE_SECONDS))


def heartbeat_interval() -> float:
    """Return the seconds between two heartbeats of a live run."""
    return float(settings.STREAMAPP_RECOMMEND_HEARTBEAT_SECONDS)


def utc_text(moment: datetime | None) -> str:
    """Return the moment as text in UTC (for messages that staff read)."""
    return "never" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def lock_description(lock: RunLock, *, now: datetime | None = None) -> str:
    """Describe who holds the lock, since when and its last heartbeat (for errors and the admin)."""
    now = now or timezone.now()
    beat = lock.heartbeat_at or lock.acquired_at
    holder = f"run {lock.run_id}" if lock.run_id else "a run"
    return (
        f"{holder} holds the lock since {utc_text(lock.acquired_at)} "
        f"(last heartbeat {utc_text(beat)}, {max(0, int((now - beat).total_seconds()))} s ago; "
        f"it counts as dead after {int(stale_after().total_seconds())} s without one)"
    )


class LockHeld(Exception):
    """Raised when another live run holds the lock."""

    def __init__(self, lock: RunLock):
        self.lock = lock
        super().__init__(f"another recommendation run ({lock_description(lock)})")


class LockLost(Exception):
    """Raised when a run finds that its dead-looking lock was taken over by another run."""


@dataclass(frozen=True)
class Lease:
    name: str
    token: str
    run_id: int | None


def lock_acquire(
    *, run: RecommendationRun | None, name: str = REBUILD_LOCK, ttl: timedelta | None = None
) -> Lease:
    """Take the lock for ``run``; raise LockHeld when a live run holds it.

    A dead lock (no heartbeat for ``ttl``, default ``stale_after()``) is taken over, and the run
    that held it, if still marked pending or running, is marked failed with the reason.
    """
    ttl = ttl or stale_after()
    now = timezone.now()
    token = secrets.token_hex(16)
    with transaction.atomic():
        dead = RunLock.objects.filter(name=name, expires_at__lt=now).first()
        deleted, _ = RunLock.objects.filter(name=name, expires_at__lt=now).delete()
        if deleted and dead is not None and dead.run_id is not None:
            beat = dead.heartbeat_at or dead.acquired_at
            RecommendationRun.objects.filter(
                pk=dead.run_id,
                status__in=[RecommendationRun.Status.PENDING, RecommendationRun.Status.RUNNING],
            ).update(
                status=RecommendationRun.Status.FAILED,
                finished_at=now,
                error=(
                    f"The run stopped without finishing: its last heartbeat was at {utc_text(beat)}, "
                    f"{int((now - beat).total_seconds())} s before run {run.pk if run else '-'} took "
                    "the lock over, so its worker was probably killed (or lost the database)."
                ),
            )
        try:
            with transaction.atomic():
                RunLock.objects.create(
                    name=name, run=run, token=token, acquired_at=now, heartbeat_at=now, expires_at=now + ttl
                )
        except IntegrityError:
            raise LockHeld(RunLock.objects.get(name=name)) from None
    return Lease(name=name, token=token, run_id=run.pk if run else None)


def lock_refresh(lease: Lease, *, ttl: timedelta | None = None) -> bool:
    """Beat: extend the lease; return False when it was lost (dead and taken over)."""
    now = timezone.now()
    return bool(
        RunLock.objects.filter(name=lease.name, token=lease.token).update(
            heartbeat_at=now, expires_at=now + (ttl or stale_after())
        )
    )


def lock_release(lease: Lease) -> None:
    """Release the lease (a no-op when it was already lost)."""
    RunLock.objects.filter(name=lease.name, token=lease.token).delete()


def lease_for_run(run_id: int, *, name: str = REBUILD_LOCK) -> Lease | None:
    """Return the lease the run holds (for tasks of the run on other workers), or None."""
    row = RunLock.objects.filter(name=name, run_id=run_id).values_list("token", flat=True).first()
    return Lease(name=name, token=row, run_id=run_id) if row else None


def live_lock(*, name: str = REBUILD_LOCK) -> RunLock | None:
    """Return the lock if a live run holds it (a dead one, which the next run takes over, is None)."""
    return RunLock.objects.filter(name=name, expires_at__gte=timezone.now()).first()


class Heartbeat:
    """Refresh a lease from a background thread while the ``with`` block runs (e.g. long training).

    ``lost`` turns True when a beat finds the lease taken over; ``check(stage)`` raises LockLost
    then. Inside a transaction no thread is started: its connection could not see the
    uncommitted lock row (the caller's own refreshes at each step still run).
    """

    def __init__(self, lease: Lease | None, *, interval: float | None = None):
        self.lease = lease
        self.interval = interval if interval is not None else heartbeat_interval()
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Heartbeat":
        if self.lease is not None and not connection.in_atomic_block:
            self._thread = threading.Thread(
                target=self._beat, name=f"heartbeat of run {self.lease.run_id}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def check(self, stage: str) -> None:
        """Refresh the lease now; raise LockLost if it was taken over."""
        if self.lease is not None and (self.lost or not lock_refresh(self.lease)):
            self.lost = True
            raise LockLost(f"the run lost its lock during {stage} (another run took it over)")

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not lock_refresh(self.lease):
                        self.lost = True
                        return
                except DatabaseError:  # a passing outage: the next beat tries again
                    logger.warning("heartbeat of run %s failed", self.lease.run_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections
