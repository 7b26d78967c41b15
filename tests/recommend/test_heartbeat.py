"""The rebuild lock's heartbeat: a killed run is detected within a couple of minutes and the next
rebuild takes over; a live run keeps its lock, and the admin's "Rebuild now" says why it can't start."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from recommend.models import RecommendationRun, RunLock
from recommend.services import lock, workflow
from tests.recommend.pipeline_data import build_catalog, build_history

ROOT = Path(__file__).resolve().parent.parent.parent
REBUILD_URL = "admin:recommend_recommendationrun_rebuild"

# A rebuild whose training lasts ten minutes, run by a real process on the test database.
SLOW_REBUILD = """
import time
from recommend.services import training, workflow

def slow_train(**kwargs):
    print("training", flush=True)
    time.sleep(600)

training.train = slow_train
workflow.run_sync()
"""


def admin_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def wait_until(condition, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.django_db
def test_a_lock_whose_heartbeat_is_three_minutes_old_is_taken_over_by_the_next_rebuild(settings):
    build_history(build_catalog(), listeners=6)
    assert settings.STREAMAPP_RECOMMEND_STALE_SECONDS == 120  # the default: two minutes
    killed = workflow.run_create()
    workflow.run_start(killed)
    beat = timezone.now() - timedelta(minutes=3)
    RunLock.objects.update(heartbeat_at=beat, expires_at=beat + lock.stale_after())
    assert workflow.rebuild_blocker() is None
    run = workflow.run_sync()
    assert run.status == RecommendationRun.Status.SUCCEEDED, run.error
    killed.refresh_from_db()
    assert killed.status == RecommendationRun.Status.FAILED
    assert "stopped without finishing: its last heartbeat was at" in killed.error
    assert f"s before run {run.pk} took the lock over" in killed.error and "killed" in killed.error


@pytest.mark.django_db
def test_rebuild_now_queues_a_run_once_the_holder_is_dead(staff_client, django_capture_on_commit_callbacks):
    killed = workflow.run_create()
    workflow.run_start(killed)
    beat = timezone.now() - timedelta(minutes=3)
    RunLock.objects.update(heartbeat_at=beat, expires_at=beat + lock.stale_after())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(reverse(REBUILD_URL))
    queued = RecommendationRun.objects.exclude(pk=killed.pk).get()
    assert queued.status == RecommendationRun.Status.PENDING
    assert admin_messages(response) == [
        f"Run {queued.pk} queued: a worker will train and rebuild every listener's lists."
    ]
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_rebuild_now_says_why_while_a_live_run_holds_the_lock(staff_client):
    holder = workflow.run_create()
    workflow.run_start(holder)
    response = staff_client.post(reverse(REBUILD_URL))
    assert response.status_code == 302
    [message] = admin_messages(response)
    assert message.startswith(f"No rebuild was queued. Run {holder.pk} is in progress: run {holder.pk} holds")
    assert "last heartbeat" in message and "UTC" in message
    assert RecommendationRun.objects.get() == holder  # nothing queued to fail later
    # The changelist action says the same.
    response = staff_client.post(
        reverse("admin:recommend_recommendationrun_changelist"),
        {"action": "rebuild_now", "_selected_action": [holder.pk]},
    )
    assert admin_messages(response)[0].startswith(f"No rebuild was queued. Run {holder.pk} is in progress")
    assert RecommendationRun.objects.count() == 1


@pytest.mark.django_db
def test_rebuild_now_says_a_run_is_already_queued(staff_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        staff_client.post(reverse(REBUILD_URL))
        response = staff_client.post(reverse(REBUILD_URL))
    queued = RecommendationRun.objects.get()
    assert admin_messages(response)[-1].startswith(f"No rebuild was queued. Run {queued.pk} was queued at")


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_keeps_a_live_lock_past_the_stale_limit(settings):
    settings.STREAMAPP_RECOMMEND_HEARTBEAT_SECONDS = 0.2
    settings.STREAMAPP_RECOMMEND_STALE_SECONDS = 1
    first, second = RecommendationRun.objects.create(), RecommendationRun.objects.create()
    lease = lock.lock_acquire(run=first)
    with lock.Heartbeat(lease) as heartbeat:
        time.sleep(2.0)  # twice the stale limit
        with pytest.raises(lock.LockHeld, match=f"run {first.pk} holds the lock"):
            lock.lock_acquire(run=second)
        assert not heartbeat.lost
    time.sleep(1.3)  # no beats any more: the lock dies
    assert lock.lock_acquire(run=second).run_id == second.pk
    first.refresh_from_db()
    assert first.status == RecommendationRun.Status.FAILED  # it was pending: never finished


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_process_killed_mid_training_is_detected_and_the_next_rebuild_runs(staff_client):
    build_history(build_catalog(), listeners=6)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="streamapp.settings.test",
        STREAMAPP_TEST_DATABASE_NAME=str(connection.settings_dict["NAME"]),
        STREAMAPP_RECOMMEND_HEARTBEAT_SECONDS="0.3",
        STREAMAPP_RECOMMEND_STALE_SECONDS="2",
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", SLOW_REBUILD],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = []
        while "training" not in output:  # after the shell's own line
            line = process.stdout.readline()
            assert line, "the rebuild process exited:\n" + "".join(output)
            output.append(line.strip())
        running = RecommendationRun.objects.get()
        assert running.status == RecommendationRun.Status.RUNNING
        # Its heartbeat thread beats during the (long) training: the lock outlives the stale limit.
        first_beat = RunLock.objects.get().heartbeat_at
        wait_until(lambda: RunLock.objects.get().heartbeat_at > first_beat, what="a heartbeat")
        time.sleep(2.5)
        assert workflow.rebuild_blocker().startswith(f"Run {running.pk} is in progress")
        response = staff_client.post(reverse(REBUILD_URL))
        assert admin_messages(response)[0].startswith(
            f"No rebuild was queued. Run {running.pk} is in progress"
        )
        assert RecommendationRun.objects.count() == 1
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        process.stdout.close()
    # Killed: no more beats; within the stale limit the lock is dead and the next rebuild runs.
    wait_until(lambda: workflow.rebuild_blocker() is None, timeout=10, what="the dead lock")
    run = workflow.run_sync(processes=1)
    assert run.status == RecommendationRun.Status.SUCCEEDED, run.error
    running.refresh_from_db()
    assert running.status == RecommendationRun.Status.FAILED
    assert "stopped without finishing: its last heartbeat was at" in running.error
    assert not RunLock.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_notices_when_its_lock_was_taken_over(settings):
    settings.STREAMAPP_RECOMMEND_HEARTBEAT_SECONDS = 0.1
    first, second = RecommendationRun.objects.create(), RecommendationRun.objects.create()
    lease = lock.lock_acquire(run=first)
    with lock.Heartbeat(lease) as heartbeat:
        RunLock.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # it looked dead
        lock.lock_acquire(run=second)
        wait_until(lambda: heartbeat.lost, timeout=10, what="the heartbeat to notice")
        with pytest.raises(lock.LockLost, match="lost its lock during generation"):
            heartbeat.check("generation")
    assert RunLock.objects.get().run_id == second.pk  # the new run's lock is untouched
