"""Who calls the Subsonic API: `u` with `p` or `t` + `s` (the Subsonic password), or OpenSubsonic's
`apiKey` (the listener's API token). Failed attempts are failed log-ins of the site's one log-in
protection (accounts/lockout.py, django-axes): counted per account and per client address, and once
STREAMAPP_LOGIN_FAILURE_LIMIT of them lock the account or address, every attempt is refused (error 40,
or 44 for an API key) until the lock ends, right password or not.
"""

from django.http import HttpRequest

from accounts import lockout

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

MAX_CREDENTIAL_LENGTH = 256


def _refuse_if_locked(request: HttpRequest, code: int, username: str | None = None) -> None:
    try:
        lockout.refuse_if_locked(request, username)
    except lockout.LockedOut as locked:
        raise SubsonicError(code, str(locked)) from None


def _failed(request: HttpRequest, error: SubsonicError, username: str | None = None) -> SubsonicError:
    lockout.failed(request, username)
    return error


def _credential(params: Params, name: str) -> str | None:
    return params.text(name, max_length=MAX_CREDENTIAL_LENGTH)


def authenticate(request: HttpRequest, params: Params):
    """Return the active user the request's credentials prove, or raise SubsonicError.

    1 query: the user (the lock of the account and address is a second one, unless the shared cache
    vouches that neither failed since the database last found them clear: accounts.lockout.ClearMark);
    an API key: 1, 3 when wrong.
    """
    api_key = _credential(params, "apiKey")
    if api_key is not None:
        if any(params.has(name) for name in ("u", "p", "t", "s")):
            raise SubsonicError(CONFLICTING_AUTH, "Send either apiKey, or u with p or t and s: not both.")
        user = selectors.user_by_api_key(api_key)
        if user is None:
            # A key is a long random token: only wrong ones are counted, and refused once locked.
            _refuse_if_locked(request, BAD_API_KEY)
            raise _failed(request, SubsonicError(BAD_API_KEY, "The API key is not valid."))
        return user
    username = _credential(params, "u")
    if username is None:
        raise missing("u")
    plain, sent_token, salt = _credential(params, "p"), _credential(params, "t"), _credential(params, "s")
    if plain is None and (sent_token is None or salt is None):
        raise missing("p, or t and s")
    _refuse_if_locked(request, WRONG_CREDENTIALS, username)
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
        raise _failed(request, SubsonicError(WRONG_CREDENTIALS, "Wrong username or password."), username)
    return user
