"""The ListenBrainz-compatible API: the same routes, JSON bodies and errors as api.listenbrainz.org.

Plain Django views rather than DRF: clients expect ListenBrainz's exact bodies (`{"code", "error"}`),
post JSON without a Content-Type, and authenticate with `Authorization: Token <token>` themselves.
Every answer carries the X-RateLimit-* headers.
"""

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts import lockout
from listening import services

from . import selectors, serializers, validation
from .ratelimit import rate_identity, rate_limit_hit

DEFAULT_ITEMS_PER_GET = 25
# 9999-12-31 23:59:59 UTC: the last second a Python datetime (and so a query) can hold.
MAX_TIMESTAMP = 253_402_300_799
MAX_ITEMS_PER_GET = 1000
RATE_LIMIT_MESSAGE = (
    "You have exceeded your rate limit. See the X-RateLimit-* response headers for more information on "
    "your current rate limit."
)


class ApiError(Exception):
    def __init__(self, code: int, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.code, self.message, self.retry_after = code, message, retry_after


def _error(code: int, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "error": message}, status=code)


def _header_token(request: HttpRequest) -> str | None:
    """Return the token of the Authorization header (its scheme word is not checked), or None."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    parts = header.split()
    if len(parts) < 2:
        raise ApiError(401, "Provided Authorization header is invalid.")
    return parts[1]


def _rate_identity(request: HttpRequest) -> str:
    try:
        token = _header_token(request) or request.GET.get("token")
    except ApiError:
        token = None
    return rate_identity(token=token, user=request.user, address=request.META.get("REMOTE_ADDR", ""))


def listenbrainz_api(*methods: str):
    """Make a view a ListenBrainz endpoint: allowed methods, rate limit, JSON errors, no CSRF or log-in."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            limit = rate_limit_hit(identity=_rate_identity(request))
            if request.method not in methods:
                response = _error(405, "The method is not allowed for the requested URL.")
                response["Allow"] = ", ".join(methods)
            elif limit.exceeded:
                response = _error(429, RATE_LIMIT_MESSAGE)
                response["Retry-After"] = limit.headers()["X-RateLimit-Reset-In"]
            else:
                try:
                    response = view(request, *args, **kwargs)
                except ApiError as error:
                    response = _error(error.code, error.message)
                    if error.retry_after is not None:
                        response["Retry-After"] = str(error.retry_after)
            for name, value in limit.headers().items():
                response[name] = value
            return response

        return login_not_required(csrf_exempt(wrapper))

    return decorate


def _token_owner(request: HttpRequest, token: str):
    """The active user of an API token, else None: a wrong token counts as a failed log-in of the client's
    address (accounts/lockout.py), and a locked address is answered 429 until its lock ends."""
    user = selectors.user_by_token(token)
    if user is None:
        try:
            lockout.refuse_if_locked(request)
        except lockout.LockedOut as locked:
            raise ApiError(429, str(locked), retry_after=locked.seconds) from None
        lockout.failed(request)
    return user


def _submitter(request: HttpRequest):
    token = _header_token(request)
    if token is None:
        raise ApiError(401, "You need to provide an Authorization header.")
    user = _token_owner(request, token)
    if user is None:
        raise ApiError(401, "Invalid authorization token.")
    return user


def _reader(request: HttpRequest):
    """Return who asks (by token, else by session), or None."""
    token = _header_token(request)
    if token is not None:
        user = _token_owner(request, token)
        if user is None:
            raise ApiError(401, "Invalid authorization token.")
        return user
    return request.user if request.user.is_authenticated else None


def _listener(request: HttpRequest, user_name: str):
    """Return the user whose data is asked for, if the one asking may see it.

    Listens are private unless STREAMAPP_LISTENBRAINZ_PUBLIC_READS (ListenBrainz's own behaviour):
    a user reads their own, staff read everyone's, and anyone else is told there is no such user.
    """
    public = settings.STREAMAPP_LISTENBRAINZ_PUBLIC_READS
    reader = None if public else _reader(request)
    if not public and reader is None:
        raise ApiError(401, "You need to provide an Authorization header.")
    user = selectors.user_by_name(user_name)
    if user is None or not (public or reader.pk == user.pk or reader.is_staff):
        raise ApiError(404, f"Cannot find user: {user_name}")
    return user


def _read_body(request: HttpRequest) -> bytes:
    # request.body would refuse bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB); ours may reach 10 MB.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > validation.MAX_BODY_BYTES:
        raise validation.ListenValidationError(
            f"Payload too large. Payload cannot exceed {validation.MAX_BODY_BYTES} bytes."
        )
    if hasattr(request, "_body"):
        return request._body
    return request.read(validation.MAX_BODY_BYTES + 1)


@listenbrainz_api("POST")
def submit_listens(request: HttpRequest) -> JsonResponse:
    """POST /1/submit-listens: record single or imported listens, or what is playing now."""
    user = _submitter(request)
    try:
        submission = validation.parse_submission(_read_body(request))
    except validation.ListenValidationError as error:
        return _error(400, error.message)
    services.listens_submit(user=user, listen_type=submission.listen_type, listens=submission.listens)
    return JsonResponse({"status": "ok"})


@listenbrainz_api("GET", "HEAD")
def validate_token(request: HttpRequest) -> JsonResponse:
    """GET /1/validate-token: say whether a token (header or ?token=) is valid, and whose it is."""
    try:
        token = _header_token(request)
    except ApiError:
        token = None
    token = token or request.GET.get("token", "")
    if not token:
        return _error(400, "You need to provide an Authorization token.")
    try:
        user = _token_owner(request, token)
    except ApiError as error:
        return _error(error.code, error.message)
    if user is None:
        return JsonResponse({"code": 200, "message": "Token invalid.", "valid": False})
    return JsonResponse(
        {"code": 200, "message": "Token valid.", "valid": True, "user_name": user.get_username()}
    )


def _non_negative(request: HttpRequest, name: str, default: int | None = None) -> int | None:
    value = request.GET.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:  # not a number, or more digits than Python converts
        number = -1
    if number < 0:
        raise ApiError(400, f"'{name}' should be a non-negative integer")
    return number


def _timestamp(request: HttpRequest, name: str) -> int | None:
    number = _non_negative(request, name)
    if number is not None and number > MAX_TIMESTAMP:
        raise ApiError(
            400, f"'{name}' should be a timestamp of at most {MAX_TIMESTAMP} (9999-12-31 23:59:59 UTC)"
        )
    return number


def _unix(moment) -> int:
    return int(moment.timestamp()) if moment is not None else 0


@listenbrainz_api("GET", "HEAD")
def user_listens(request: HttpRequest, user_name: str) -> JsonResponse:
    """GET /1/user/<name>/listens?count=&min_ts=&max_ts=: the user's listens, newest first."""
    user = _listener(request, user_name)
    count = min(_non_negative(request, "count", DEFAULT_ITEMS_PER_GET), MAX_ITEMS_PER_GET)
    min_ts, max_ts = _timestamp(request, "min_ts"), _timestamp(request, "max_ts")
    if min_ts is not None and max_ts is not None and min_ts >= max_ts:
        raise ApiError(400, "min_ts should be less than max_ts")
    page = selectors.listens_page(user=user, count=count, min_ts=min_ts, max_ts=max_ts)
    name = user.get_username()
    return JsonResponse(
        {
            "payload": {
                "user_id": name,
                "count": len(page.listens),
                "listens": [serializers.listen_to_api(listen, user_name=name) for listen in page.listens],
                "latest_listen_ts": _unix(page.latest_listened_at),
                "oldest_listen_ts": _unix(page.oldest_listened_at),
            }
        }
    )


@listenbrainz_api("GET", "HEAD")
def user_listen_count(request: HttpRequest, user_name: str) -> JsonResponse:
    """GET /1/user/<name>/listen-count: how many listens the user has."""
    user = _listener(request, user_name)
    return JsonResponse({"payload": {"count": selectors.listen_count(user=user)}})


@listenbrainz_api("GET", "HEAD")
def user_playing_now(request: HttpRequest, user_name: str) -> JsonResponse:
    """GET /1/user/<name>/playing-now: what the user is playing, unless it has expired."""
    user = _listener(request, user_name)
    entry = selectors.now_playing(user=user)
    name = user.get_username()
    listens = [serializers.now_playing_to_api(entry, user_name=name)] if entry is not None else []
    return JsonResponse(
        {"payload": {"count": len(listens), "user_id": name, "playing_now": True, "listens": listens}}
    )
