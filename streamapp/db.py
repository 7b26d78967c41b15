"""A bound on each SQL statement of a web request, and a 503 for one that runs past it.

PostgreSQL's statement_timeout is set for web processes only (the WSGI and ASGI entry points call
mark_web_process() before Django loads the settings), as a connection option: no query per request,
and nothing for the Celery workers, management commands or nightly jobs, which run long statements on
purpose. Setting: STREAMAPP_WEB_STATEMENT_TIMEOUT_MS (0: no bound). SQLite has no such bound.
"""

import os

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

WEB_PROCESS_ENV = "STREAMAPP_WEB_PROCESS"
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cut short (statement_timeout)
RETRY_AFTER_SECONDS = 30
MESSAGE = "The server took too long to answer this request. Try again in a moment."


def mark_web_process() -> None:
    """Mark this process as a web server's, before its settings load (they bound its statements).

    Through the environment so that an operator can mark another entry point (STREAMAPP_WEB_PROCESS=1).
    """
    os.environ[WEB_PROCESS_ENV] = "1"


def is_web_process() -> bool:
    """Return whether this process serves web requests (see mark_web_process)."""
    return os.environ.get(WEB_PROCESS_ENV, "") == "1"


def with_statement_timeout(database: dict, *, timeout_ms: int) -> dict:
    """Return a copy of DATABASES' entry whose PostgreSQL connections bound each statement to timeout_ms
    (a libpq startup option); other engines, and a timeout of 0, are returned unchanged."""
    if timeout_ms <= 0 or "postgresql" not in database.get("ENGINE", ""):
        return database
    options = dict(database.get("OPTIONS") or {})
    options["options"] = f"{options.get('options', '')} -c statement_timeout={timeout_ms}".strip()
    return {**database, "OPTIONS": options}


def is_statement_timeout(error: BaseException) -> bool:
    """Return whether a database error is a statement cut short by statement_timeout."""
    cause = error.__cause__
    return isinstance(error, OperationalError) and QUERY_CANCELED in (
        getattr(cause, "sqlstate", None),  # psycopg 3
        getattr(cause, "pgcode", None),  # psycopg 2
    )


class StatementTimeoutMiddleware:
    """Answer 503 with Retry-After, not 500, when a request's statement ran past statement_timeout: JSON
    for the APIs (ListenBrainz's {"code", "error"} under /1/, DRF's {"detail"} elsewhere), a page else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_statement_timeout(exception):
            return None
        if request.path.startswith("/1/"):
            response = JsonResponse({"code": 503, "error": MESSAGE}, status=503)
        elif request.path.startswith("/api/"):
            response = JsonResponse({"detail": MESSAGE}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
