"""Who calls the Subsonic API: `u` with `p` or `t` + `s` (the Subsonic password), or OpenSubsonic's
`apiKey` (the listener's API token). Failed attempts are counted per client address in the sliding
window of listening.listenbrainz.ratelimit; past STREAMAPP_SUBSONIC_AUTH_FAILURES of them in
STREAMAPP_SUBSONIC_AUTH_FAILURE_WINDOW seconds, every attempt from that address is refused (error 40)
until the window has room again, right password or not.
"""

from django.conf import settings
from django.http import HttpRequest

from listening.listenbrainz.ratelimit import rate_limit_hit, rate_limit_peek

from . import passwords, selectors
from .protocol import (
    BAD_API_KEY,
    CONFLICTING_AUTH,
    WRONG_CREDENTIALS,
    Params,
    SubsonicError,
    malformed,
    missing,
)

SCOPE = "subsonic-auth"
MAX_CREDENTIAL_LENGTH = 256


def _limits() -> dict:
    return {
        "limit": int(settings.STREAMAPP_SUBSONIC_AUTH_FAILURES),
        "window": int(settings.STREAMAPP_SUBSONIC_AUTH_FAILURE_WINDOW),
        "scope": SCOPE,
    }


def _address(request: HttpRequest) -> str:
    return f"address:{request.META.get('REMOTE_ADDR', '')}"


def _refuse_if_throttled(request: HttpRequest) -> None:
    standing = rate_limit_peek(identity=_address(request), **_limits())
    if standing.exceeded:
        wait = standing.headers()["X-RateLimit-Reset-In"]
        raise SubsonicError(WRONG_CREDENTIALS, f"Too many failed log-ins: try again in {wait} seconds.")


def _failed(request: HttpRequest, error: SubsonicError) -> SubsonicError:
    rate_limit_hit(identity=_address(request), **_limits())
    return error


def _credential(params: Params, name: str) -> str | None:
    return params.text(name, max_length=MAX_CREDENTIAL_LENGTH)


def authenticate(request: HttpRequest, params: Params):
    """Return the active user the request's credentials prove, or raise SubsonicError (1 query)."""
    api_key = _credential(params, "apiKey")
    if api_key is not None:
        if any(params.has(name) for name in ("u", "p", "t", "s")):
            raise SubsonicError(CONFLICTING_AUTH, "Send either apiKey, or u with p or t and s: not both.")
        _refuse_if_throttled(request)
        user = selectors.user_by_api_key(api_key)
        if user is None:
            raise _failed(request, SubsonicError(BAD_API_KEY, "The API key is not valid."))
        return user
    username = _credential(params, "u")
    if username is None:
        raise missing("u")
    plain, sent_token, salt = _credential(params, "p"), _credential(params, "t"), _credential(params, "s")
    if plain is None and (sent_token is None or salt is None):
        raise missing("p, or t and s")
    _refuse_if_throttled(request)
    if plain is not None:
        plain = passwords.decode_plain(plain)
        if plain is None:
            raise malformed("p", "must be the password, or enc: and its UTF-8 bytes in hexadecimal")
        sent_token = None
    user, password = selectors.user_with_password(username=username)
    if (
        user is None
        or password is None
        or not passwords.matches(password, plain=plain, sent_token=sent_token, salt=salt or "")
    ):
        raise _failed(request, SubsonicError(WRONG_CREDENTIALS, "Wrong username or password."))
    return user
