"""Error answers shaped for who asks: JSON under /api/ (DRF's) and /1/ (ListenBrainz's), pages elsewhere."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults


def _area(request: HttpRequest) -> str:
    if request.path.startswith("/api/"):
        return "api"
    if request.path.startswith("/1/"):
        return "listenbrainz"
    return "pages"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer a 404 the URL resolver raised: JSON for the APIs (a client parses it), else the 404 page."""
    area = _area(request)
    if area == "api":
        return JsonResponse({"detail": "Not found."}, status=404)
    if area == "listenbrainz":
        return JsonResponse({"code": 404, "error": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer a request Django refused as it read it (a body past DATA_UPLOAD_MAX_MEMORY_SIZE, too many
    fields): JSON for the APIs, 413 for a body too large; else Django's 400 page."""
    area = _area(request)
    if area == "pages":
        return defaults.bad_request(request, exception)
    status, message = 400, "The request can't be read."
    if isinstance(exception, RequestDataTooBig):
        status = 413
        message = f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = "The request sends too many fields or files."
    if area == "api":
        return JsonResponse({"detail": message}, status=status)
    return JsonResponse({"code": status, "error": message}, status=status)


def bad_parameter(request: HttpRequest, *, name: str, problem: str) -> HttpResponse:
    """Answer 400 for a request parameter (query, URL part or header) the app can't use, naming it."""
    area = _area(request)
    if area == "api":
        return JsonResponse({name: [f"This value {problem}."]}, status=400)
    if area == "listenbrainz":
        return JsonResponse({"code": 400, "error": f"{name} {problem}."}, status=400)
    return render(request, "400.html", {"message": f"“{name}” {problem}."}, status=400)
