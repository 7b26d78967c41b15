"""The rollup task: scheduled nightly, queued after a history import, run by a real Celery worker."""

import datetime as dt
import json
import time

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analytics import models, tasks
from listening.models import Listen
from listening.services import history_import
from listening.signals import history_imported
from tests.analytics.rollup_data import listen
from tests.catalog.factories import make_track


@pytest.mark.django_db
def test_the_nightly_rollup_is_scheduled_by_its_registered_name():
    from streamapp.celery import app

    app.loader.import_default_modules()
    task = PeriodicTask.objects.get(name="Analytics: nightly rollups")
    assert task.enabled and task.task == tasks.ROLLUP_TASK_NAME
    assert task.task in app.tasks
    assert (task.crontab.hour, task.crontab.minute) == ("3", "20")
    assert json.loads(task.kwargs) == {"reconcile": True}
    assert str(task.crontab.timezone) == settings.TIME_ZONE
    # A history import queues it through listening's signal, which analytics receives (no hand-typed name).
    assert "analytics-rollup-after-import" in [key[0] for key, *_ in history_imported.receivers]


@pytest.mark.django_db(transaction=True)
def test_a_history_import_queues_the_rollup_and_the_worker_runs_it(celery_worker, user):
    track = make_track()
    # Recent days: the rollup (a first, full one) covers a few days, not years.
    days = [timezone.localdate() - dt.timedelta(days=ago) for ago in (4, 3, 2)]
    for day in days:
        listen(user, track, f"{day.isoformat()} 20:00")
    # Imported a while ago: the worker's rollup waits STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS for them.
    Listen.objects.update(inserted_at=timezone.now() - dt.timedelta(hours=1))

    with transaction.atomic():
        history_import._after_history_import(
            user=user, summary=history_import.HistoryImportSummary(imported=3)
        )

    # The rollup writes in short transactions, its state last: wait for the run to end.
    latest = Listen.objects.latest("id").id
    deadline = time.monotonic() + 60
    done = models.RollupState.objects.filter(last_listen_id=latest)
    while time.monotonic() < deadline and not done.exists():
        time.sleep(0.3)
    rows = sorted(models.ListenerDayStats.objects.filter(user=user).values_list("day", "listens"))
    assert rows == [(day, 1) for day in days]
    assert models.DailyTrackStats.objects.filter(track=track).count() == 3
    assert models.RollupState.objects.get().last_listen_id == latest


@pytest.mark.django_db
def test_a_committed_history_import_queues_the_rollup_through_listenings_signal(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.rollup, "delay", lambda *args, **kwargs: queued.append((args, kwargs)))
    with django_capture_on_commit_callbacks(execute=True):
        history_import._after_history_import(
            user=user, summary=history_import.HistoryImportSummary(imported=3)
        )
    assert queued == [((), {})]


@pytest.mark.django_db
def test_an_import_that_added_nothing_queues_nothing(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        history_import._after_history_import(
            user=user, summary=history_import.HistoryImportSummary(imported=0)
        )
    assert callbacks == []
