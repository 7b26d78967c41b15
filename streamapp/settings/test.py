"""Settings for the test suite: fast password hashing, in-memory email, the same databases."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-test-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
STREAMAPP_DEMO_LIBRARY_DIR = VAR_DIR / "test-private" / "demo-library"

# The test database lives in a file (not in memory) so that a real Celery worker started by the
# tests can open it; a worker started by the suite is told that file's name (or PostgreSQL's
# test database) through STREAMAPP_TEST_DATABASE_NAME.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so parallel runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-streamapp-{os.getpid()}.sqlite3")}  # noqa: F405
if os.environ.get("STREAMAPP_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["STREAMAPP_TEST_DATABASE_NAME"]  # noqa: F405

if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    _test_broker = VAR_DIR / "celery-test" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
        "data_folder_in": str(_test_broker),
        "data_folder_out": str(_test_broker),
        "processed_folder": str(VAR_DIR / "celery-test" / "processed"),
        "control_folder": str(VAR_DIR / "celery-test" / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery-test' / 'results'}"

# An import does not queue the loudness task in tests: a test that imports without the Celery worker
# would leave the task to run later, against another test's tables. The tests of that queuing turn it on.
STREAMAPP_LOUDNESS_ON_IMPORT = False

# Anyone may sign up in tests (the tests of invitations and closed sign-up override it).
STREAMAPP_SIGNUP = "open"
