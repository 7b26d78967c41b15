"""Fixtures shared by the whole suite: users, clients, the database vendor and a real Celery worker."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests when the suite runs on SQLite."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Give every test its own MEDIA_ROOT so uploaded covers never leak between tests (and its own
    demo library and transcode cache, outside MEDIA_ROOT as by default)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STREAMAPP_DEMO_LIBRARY_DIR = tmp_path / "private" / "demo-library"
    settings.STREAMAPP_TRANSCODE_CACHE_DIR = tmp_path / "private" / "transcodes"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache: pages cache what the database held (the genre overview)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="listener", password="listener-pass-1")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="someone", password="someone-pass-1")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser(
        username="staff", password="staff-pass-1", email="s@x.org"
    )


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


def _purge_filesystem_broker():
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        folder = options.get(key)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
            Path(folder).mkdir(parents=True, exist_ok=True)
    backend = settings.CELERY_RESULT_BACKEND
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)


WORKER_LOG = ROOT / "var" / "test-celery-worker.log"
_TASK_RECEIVED = re.compile(r"Task \S+\[([0-9a-f-]+)\] received")
_TASK_ENDED = re.compile(r"Task \S+\[([0-9a-f-]+)\] (?:succeeded|raised|retry|failed|ignored|rejected)")


def _worker_is_idle() -> bool:
    """Return whether the suite's worker holds no task: none waiting on the broker, none received and
    not yet ended (by its log)."""
    from streamapp.celery import app

    log = WORKER_LOG.read_text(errors="replace")
    if set(_TASK_RECEIVED.findall(log)) - set(_TASK_ENDED.findall(log)):
        return False
    with app.connection_for_read() as conn:
        # Both brokers (Redis, filesystem) are kombu virtual transports, which count a queue so.
        return conn.default_channel._size("celery") == 0


@pytest.fixture
def celery_worker(_celery_worker_process):
    """A real Celery worker (one for the whole suite) on the suite's broker and test database.

    Tests that use it must use ``transactional_db`` so the worker sees their rows. The test ends only
    when the worker is idle again: a task the test caused (a rollup after an import, say) must not run
    into the next test's table flush.
    """
    yield _celery_worker_process
    deadline = time.monotonic() + 60
    idle_checks = 0
    while idle_checks < 3 and time.monotonic() < deadline:
        idle_checks = idle_checks + 1 if _worker_is_idle() else 0
        time.sleep(0.2)
    if idle_checks < 3:
        raise RuntimeError(f"the Celery worker was still busy 60 s after the test; see {WORKER_LOG}")


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker):
    """Start the suite's real Celery worker on its broker and test database; stop it afterwards."""
    from streamapp.celery import app

    _purge_filesystem_broker()
    if settings.CELERY_BROKER_URL.startswith("redis"):
        app.control.purge()
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "streamapp.settings.test"
    env["STREAMAPP_TEST_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    log = open(WORKER_LOG, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "streamapp",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited; see {log.name}")
        if "ready." in Path(log.name).read_text(errors="replace"):
            break
        time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        raise RuntimeError(f"the Celery worker did not start; see {log.name}")
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()
