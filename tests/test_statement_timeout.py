"""The web statement timeout: PostgreSQL bounds each statement of a web process (set when it connects,
not per request), not of other processes; a statement cut short answers 503, never 500."""

import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from streamapp import db

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SHOW_TIMEOUT = (
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute('SHOW statement_timeout')\n"
    "    print(cursor.fetchone()[0])\n"
)


def statement_timeout_in(entry_point: str, **env: str) -> str:
    """Return statement_timeout as a new process started through entry_point sees it."""
    database = settings.DATABASES["default"]
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    credentials = database["USER"] + password
    url = f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    environment = {
        **{name: value for name, value in os.environ.items() if name != db.WEB_PROCESS_ENV},
        "DJANGO_SETTINGS_MODULE": "streamapp.settings.test", "DATABASE_URL": url, **env,
    }
    code = f"{entry_point}\n{SHOW_TIMEOUT}"
    finished = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120,
        cwd=settings.BASE_DIR,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.strip().splitlines()[-1]


def test_a_web_process_bounds_its_statements_when_it_connects():
    assert statement_timeout_in("import streamapp.wsgi") == "20s"
    asgi = statement_timeout_in("import streamapp.asgi", STREAMAPP_WEB_STATEMENT_TIMEOUT_MS="1500")
    assert asgi == "1500ms"


def test_workers_and_commands_are_not_bounded():
    assert statement_timeout_in("import django; django.setup()") == "0"
    assert statement_timeout_in("import streamapp.wsgi", STREAMAPP_WEB_STATEMENT_TIMEOUT_MS="0") == "0"


@pytest.fixture
def web_statement_timeout():
    # What a web process's connection carries (see the test above), for this test's transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 200")


@pytest.mark.urls("tests.slow_urls")
def test_an_api_statement_past_the_timeout_is_503_json(client, web_statement_timeout):
    answer = client.get("/api/v1/slow/")
    assert answer.status_code == 503
    assert answer["Retry-After"] == str(db.RETRY_AFTER_SECONDS)
    assert answer.json() == {"detail": db.MESSAGE}


@pytest.mark.urls("tests.slow_urls")
def test_a_listenbrainz_statement_past_the_timeout_is_503_in_its_format(client, web_statement_timeout):
    answer = client.get("/1/slow/")
    assert answer.status_code == 503
    assert json.loads(answer.content) == {"code": 503, "error": db.MESSAGE}


@pytest.mark.urls("tests.slow_urls")
def test_a_page_statement_past_the_timeout_is_a_503_page(client, web_statement_timeout):
    answer = client.get("/slow/")
    assert answer.status_code == 503
    assert "That took too long" in answer.content.decode()


@pytest.mark.urls("tests.slow_urls")
def test_a_statement_within_the_timeout_answers(client, web_statement_timeout):
    assert client.get("/api/v1/slow/", {"seconds": 0.01}).json() == {"done": True}
