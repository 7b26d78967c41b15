"""A sliding-window rate limit per user (per client address for anonymous calls), counted in Django's cache.

Who is counted: the user of a valid token (or of the logged-in session), so that the listeners behind
one address (a household, an office) each have their own allowance; anonymous calls and invalid tokens
count against the client's address, and never against a user's allowance.

The window slides: it is cut into BUCKETS_PER_WINDOW buckets, and a request is admitted when the
requests admitted in its own bucket and the BUCKETS_PER_WINDOW before it (a span a little longer than
the window, so every window-long span ending now is covered) stay within the limit. So no span of the
window's length ever admits more than the limit, across a bucket or window boundary or not (a fixed
window admits twice the limit around its boundary), and a client at full speed gets the limit per
window plus one bucket.

Atomic without a lock: a request first adds itself to its bucket (cache.incr: Redis INCR, or local
memory under its lock), then reads the other buckets; a refused request takes itself back out. Two
racing requests may both be refused, never both admitted past the limit.

The cache is local memory by default (per process) and Redis in production (CACHE_URL), where the
counts are shared by every web worker. Settings: STREAMAPP_LISTENBRAINZ_RATE_LIMIT requests per
STREAMAPP_LISTENBRAINZ_RATE_WINDOW seconds.
"""

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from . import selectors

BUCKETS_PER_WINDOW = 10
# A token's user is remembered this long for counting (not for authenticating: the views check the
# token on every request).
TOKEN_USER_CACHE_SECONDS = 300


@dataclass(frozen=True)
class RateLimit:
    limit: int
    used: int  # the requests counted in the window, this one included (above the limit: refused)
    reset_at: float  # when the oldest counted request leaves the window, freeing room (Unix time)
    now: float

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def headers(self) -> dict[str, str]:
        """Return the X-RateLimit-* headers that ListenBrainz clients read to pace themselves."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.limit - self.used, 0)),
            "X-RateLimit-Reset-In": str(max(math.ceil(self.reset_at - self.now), 0)),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _token_user_id(token: str) -> int | None:
    key = f"listenbrainz:token-user:{_digest(token)}"
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


def _buckets(*, identity: str, window: int, now: float, scope: str) -> tuple[list[str], float, int]:
    """Return the keys of the window's buckets (the current one last), a bucket's length and their timeout."""
    bucket_seconds = window / BUCKETS_PER_WINDOW
    current = math.floor(now / bucket_seconds)
    prefix = f"{scope}:ratelimit:v2:{_digest(identity)}:{window}"
    keys = [f"{prefix}:{index}" for index in range(current - BUCKETS_PER_WINDOW, current + 1)]
    return keys, bucket_seconds, math.ceil(window + 2 * bucket_seconds) + 1


def _standing(counts: list[int], *, limit: int, bucket_seconds: float, now: float) -> RateLimit:
    current = math.floor(now / bucket_seconds)
    # The oldest bucket with a request leaves the window when `current` has moved past it.
    oldest = next((offset for offset, count in enumerate(counts) if count), 0)
    return RateLimit(limit=limit, used=sum(counts), reset_at=(current + oldest + 1) * bucket_seconds, now=now)


def rate_limit_hit(
    *,
    identity: str,
    now: float | None = None,
    limit: int | None = None,
    window: int | None = None,
    scope: str = "listenbrainz",
) -> RateLimit:
    """Count one request of identity in the sliding window and return where it stands (a refused
    request, `exceeded`, is not counted).

    limit and window default to the ListenBrainz API's settings; another user of this limiter (the
    Subsonic API's failed log-ins) passes its own, and its own scope so that the counts stay apart.
    """
    limit = int(settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT) if limit is None else limit
    window = max(int(settings.STREAMAPP_LISTENBRAINZ_RATE_WINDOW if window is None else window), 1)
    now = time.time() if now is None else now
    keys, bucket_seconds, timeout = _buckets(identity=identity, window=window, now=now, scope=scope)
    cache.add(keys[-1], 0, timeout=timeout)
    try:
        in_current = cache.incr(keys[-1])
    except ValueError:  # the key expired between add() and incr()
        cache.add(keys[-1], 1, timeout=timeout)
        in_current = 1
    earlier = cache.get_many(keys[:-1])
    counts = [int(earlier.get(key, 0)) for key in keys[:-1]] + [in_current]
    if sum(counts) > limit:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            cache.decr(keys[-1])
    return _standing(counts, limit=limit, bucket_seconds=bucket_seconds, now=now)


def rate_limit_peek(
    *, identity: str, limit: int, window: int, scope: str, now: float | None = None
) -> RateLimit:
    """Return where identity stands in the sliding window without counting a request: `exceeded` when
    the window already holds `limit` requests (one more would be refused)."""
    window = max(int(window), 1)
    now = time.time() if now is None else now
    keys, bucket_seconds, _timeout = _buckets(identity=identity, window=window, now=now, scope=scope)
    found = cache.get_many(keys)
    counts = [int(found.get(key, 0)) for key in keys]
    standing = _standing(counts, limit=limit, bucket_seconds=bucket_seconds, now=now)
    # As if this request were counted: refused when it would be the one past the limit.
    return RateLimit(limit=limit, used=standing.used + 1, reset_at=standing.reset_at, now=now)
