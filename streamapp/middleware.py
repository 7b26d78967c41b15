"""The project's own middleware: headers every response carries, and requests refused before any view.

* PermissionsPolicyMiddleware: which browser features our pages may use (Django has no setting for it).
* UnstorableTextMiddleware: refuse requests whose URL or credentials hold text no database can store.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import error_views
from .text_checks import text_problem


def permissions_policy(features: dict[str, list[str]]) -> str:
    """Return the header value: {"camera": [], "autoplay": ["self"]} -> camera=(), autoplay=(self)."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in features.items())


class PermissionsPolicyMiddleware:
    """Send settings.STREAMAPP_PERMISSIONS_POLICY on every response that doesn't set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Built once: the setting is fixed for the process.
        self.header = permissions_policy(settings.STREAMAPP_PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class UnstorableTextMiddleware:
    """Answer 400 naming the parameter when a URL part, query parameter, the Authorization header or
    the session cookie holds a null character (%00): PostgreSQL refuses one in a query, so it would
    otherwise be a 500.

    Checked after URL resolution, so that a URL part is named as the view names it (`user_name`).
    Form fields are checked by Django's and DRF's CharField, JSON bodies by streamapp.api_parsers. A view
    marked `checks_own_text = True` (the Subsonic API, whose refusals are its own envelopes) is left to
    check its parameters itself.
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
        if getattr(view_func, "checks_own_text", False):
            return None  # the view checks every parameter itself and answers in its own protocol
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
