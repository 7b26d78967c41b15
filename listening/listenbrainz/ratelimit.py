"""A fixed-window rate limit per API token (or per client address), counted in Django's cache.

The cache is local memory by default (per process) and Redis in production (CACHE_URL), where the
count is shared by every web worker. Settings: STREAMAPP_LISTENBRAINZ_RATE_LIMIT requests per
STREAMAPP_LISTENBRAINZ_RATE_WINDOW seconds.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

DEFAULT_LIMIT = 300
DEFAULT_WINDOW_SECONDS = 10


@dataclass(frozen=True)
class RateLimit:
    limit: int
    used: int
    reset_at: int
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
            "X-RateLimit-Reset": str(self.reset_at),
        }


def rate_limit_hit(*, identity: str, now: float | None = None) -> RateLimit:
    """Count one request of identity in the current window and return where it stands."""
    limit = int(getattr(settings, "STREAMAPP_LISTENBRAINZ_RATE_LIMIT", DEFAULT_LIMIT))
    window = max(int(getattr(settings, "STREAMAPP_LISTENBRAINZ_RATE_WINDOW", DEFAULT_WINDOW_SECONDS)), 1)
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    key = f"listenbrainz:ratelimit:{digest}:{window_start}"
    cache.add(key, 0, timeout=window + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=window + 5)
        used = 1
    return RateLimit(limit=limit, used=used, reset_at=window_start + window, now=now)
