"""A sliding-window rate limit per user (per client address for anonymous calls), counted in Django's cache.

Who is counted: the user of a valid token (or of the logged-in session), so that the listeners behind
one address (a household, an office) each have their own allowance; anonymous calls and invalid tokens
count against the client's address, and never against a user's allowance.

The window, its buckets and the counting are streamapp.ratelimit's. Settings:
STREAMAPP_LISTENBRAINZ_RATE_LIMIT requests per STREAMAPP_LISTENBRAINZ_RATE_WINDOW seconds.
"""

from django.conf import settings
from django.core.cache import cache

from streamapp import ratelimit
from streamapp.ratelimit import RateLimit

from . import selectors

# A token's user is remembered this long for counting (not for authenticating: the views check the
# token on every request).
TOKEN_USER_CACHE_SECONDS = 300


def _token_user_id(token: str) -> int | None:
    key = f"listenbrainz:token-user:{ratelimit.key_digest(token)}"
    user_id = cache.get(key)
    if user_id is None:
        user = selectors.user_by_token(token)
        if user is None:
            return None
        user_id = user.pk
        cache.set(key, user_id, timeout=TOKEN_USER_CACHE_SECONDS)
    return user_id


def rate_identity(*, token: str | None, user, address: str) -> str:
    """Return whom a request counts against: a valid token's user, else the logged-in user (request.user,
    only read without a valid token), else the client address (at most 1 query, for a token not seen in
    the last few minutes)."""
    token_user_id = _token_user_id(token) if token else None
    if token_user_id is not None:
        return f"user:{token_user_id}"
    if user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{address}"


def rate_limit_hit(*, identity: str, now: float | None = None) -> RateLimit:
    """Count one ListenBrainz API request of identity in its sliding window and return where it stands."""
    return ratelimit.rate_limit_hit(
        identity=identity,
        limit=int(settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT),
        window=int(settings.STREAMAPP_LISTENBRAINZ_RATE_WINDOW),
        scope="listenbrainz",
        now=now,
    )
