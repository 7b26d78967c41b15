"""Refuse requests whose URL or credentials hold text no database can store, before any view runs."""

from django.conf import settings
from django.http import HttpRequest

from . import error_views
from .text_checks import text_problem


class UnstorableTextMiddleware:
    """Answer 400 naming the parameter when a URL part, query parameter, the Authorization header or
    the session cookie holds a null character (%00): PostgreSQL refuses one in a query, so it would
    otherwise be a 500.

    Checked after URL resolution, so that a URL part is named as the view names it (`user_name`).
    Form fields are checked by Django's and DRF's CharField, JSON bodies by streamapp.api_parsers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        # The session's key is looked up in the database (cached_db) as soon as the user is read.
        cookie = settings.SESSION_COOKIE_NAME
        problem = text_problem(request.COOKIES.get(cookie, ""))
        if problem:
            return error_views.bad_parameter(request, name=f"{cookie} cookie", problem=problem)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        for name, value in _parameters(request, view_kwargs):
            problem = text_problem(value)
            if problem:
                return error_views.bad_parameter(request, name=ascii(name)[1:-1], problem=problem)
        return None


def _parameters(request: HttpRequest, view_kwargs: dict):
    for name, value in view_kwargs.items():
        if isinstance(value, str):
            yield name, value
    for name, values in request.GET.lists():
        yield name, name  # a NUL in the name itself
        for value in values:
            yield name, value
    yield "Authorization", request.META.get("HTTP_AUTHORIZATION", "")
