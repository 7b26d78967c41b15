"""The rebuild lock: one row per lock name in the database, taken atomically, freed by expiry.

A database row (not the cache) because the embedded setup's cache is per process, while the web
process, the beat scheduler and every worker share the database. A run refreshes the lock at
each stage and chunk; a run that was killed stops refreshing, so its lock expires and the next
run takes it over (and marks the dead run failed).
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import RecommendationRun, RunLock

REBUILD_LOCK = "recommend.rebuild"
# Longer than the slowest stage between two refreshes (training at full scale).
LOCK_TTL = timedelta(minutes=30)


class LockHeld(Exception):
    """Raised when another live run holds the lock."""

    def __init__(self, lock: RunLock):
        self.lock = lock
        super().__init__(
            f"another recommendation run (run {lock.run_id}) holds the lock until "
            f"{lock.expires_at:%Y-%m-%d %H:%M:%S} UTC"
        )


class LockLost(Exception):
    """Raised when a run finds that its expired lock was taken over by another run."""


@dataclass(frozen=True)
class Lease:
    name: str
    token: str
    run_id: int | None


def lock_acquire(
    *, run: RecommendationRun | None, name: str = REBUILD_LOCK, ttl: timedelta = LOCK_TTL
) -> Lease:
    """Take the lock for ``run``; raise LockHeld when a live run holds it.

    An expired lock is taken over, and the run that held it, if still marked pending or
    running, is marked failed (it was killed or crashed without releasing).
    """
    now = timezone.now()
    token = secrets.token_hex(16)
    with transaction.atomic():
        stale = RunLock.objects.filter(name=name, expires_at__lt=now).values_list("run_id", flat=True).first()
        deleted, _ = RunLock.objects.filter(name=name, expires_at__lt=now).delete()
        if deleted and stale is not None:
            RecommendationRun.objects.filter(
                pk=stale, status__in=[RecommendationRun.Status.PENDING, RecommendationRun.Status.RUNNING]
            ).update(
                status=RecommendationRun.Status.FAILED,
                finished_at=now,
                error="The run stopped without finishing (its lock expired: the worker was probably killed).",
            )
        try:
            with transaction.atomic():
                RunLock.objects.create(name=name, run=run, token=token, acquired_at=now, expires_at=now + ttl)
        except IntegrityError:
            raise LockHeld(RunLock.objects.get(name=name)) from None
    return Lease(name=name, token=token, run_id=run.pk if run else None)


def lock_refresh(lease: Lease, *, ttl: timedelta = LOCK_TTL) -> bool:
    """Extend the lease; return False when it was lost (expired and taken over)."""
    return bool(
        RunLock.objects.filter(name=lease.name, token=lease.token).update(expires_at=timezone.now() + ttl)
    )


def lock_release(lease: Lease) -> None:
    """Release the lease (a no-op when it was already lost)."""
    RunLock.objects.filter(name=lease.name, token=lease.token).delete()


def lease_for_run(run_id: int, *, name: str = REBUILD_LOCK) -> Lease | None:
    """Return the lease the run holds (for tasks of the run on other workers), or None."""
    row = RunLock.objects.filter(name=name, run_id=run_id).values_list("token", flat=True).first()
    return Lease(name=name, token=row, run_id=run_id) if row else None
