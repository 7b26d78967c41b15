"""A sliding-window rate limit, counted in Django's cache: the ListenBrainz API's (per user, or per
address for anonymous calls: listening/listenbrainz/ratelimit.py) and the password reset's (per address
and per account: accounts/forms.py).

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
counts are shared by every web worker; when Redis is down every count reads as a miss (the limit is
lifted, the site keeps working: streamapp.cache).
"""

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

BUCKETS_PER_WINDOW = 10


def key_digest(text: str) -> str:
    """A short, fixed-length cache key part for any text (a token, a user name, an address)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


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


def _buckets(*, identity: str, window: int, now: float, scope: str) -> tuple[list[str], float, int]:
    """Return the keys of the window's buckets (the current one last), a bucket's length and their timeout."""
    bucket_seconds = window / BUCKETS_PER_WINDOW
    current = math.floor(now / bucket_seconds)
    prefix = f"{scope}:ratelimit:v2:{key_digest(identity)}:{window}"
    keys = [f"{prefix}:{index}" for index in range(current - BUCKETS_PER_WINDOW, current + 1)]
    return keys, bucket_seconds, math.ceil(window + 2 * bucket_seconds) + 1


def _standing(counts: list[int], *, limit: int, bucket_seconds: float, now: float) -> RateLimit:
    current = math.floor(now / bucket_seconds)
    # The oldest bucket with a request leaves the window when `current` has moved past it.
    oldest = next((offset for offset, count in enumerate(counts) if count), 0)
    return RateLimit(limit=limit, used=sum(counts), reset_at=(current + oldest + 1) * bucket_seconds, now=now)


def rate_limit_hit(
    *, identity: str, limit: int, window: int, scope: str, now: float | None = None
) -> RateLimit:
    """Count one request of identity in the sliding window and return where it stands (a refused
    request, `exceeded`, is not counted). Each user of the limiter passes its own scope, so that the
    counts stay apart."""
    window = max(int(window), 1)
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
