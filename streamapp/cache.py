"""The cache backend used with CACHE_URL=redis://...: Django's RedisCache, where a Redis that is down,
slow or refusing writes is a miss, never an error.

Every read answers as if the key were missing (get -> default, get_many -> {}, has_key -> False) and
every write is dropped (set, set_many, delete, touch...), so pages are slower during an outage but
still served: sessions are cached_db and fall back to the database, cached reads are built again.
Two answers are chosen so that callers keep working without the cache: add() returns True (as if the
key were new: a rate limit counts from zero instead of refusing everyone) and incr() returns `delta`
(a count starting again, rather than the ValueError of a missing key).

A failure opens a circuit breaker for STREAMAPP_CACHE_RETRY_SECONDS: meanwhile this process does not
try Redis at all, so a down Redis costs at most one connect or socket timeout (STREAMAPP_CACHE_*_TIMEOUT)
per interval instead of one per call. The outage is logged once per STREAMAPP_CACHE_OUTAGE_LOG_SECONDS.

Writes dropped during an outage would leave stale entries behind once Redis is back (a forgotten
user, a replaced catalog version): the keys they named are remembered (up to STALE_KEYS_KEPT) and
deleted by the first call that reaches Redis again.
"""

import functools
import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Keys of writes dropped during one outage that are deleted when Redis answers again; past this many
# the rest can only expire (logged).
STALE_KEYS_KEPT = 10_000


class _Breaker:
    """The state of one Redis server in this process (shared by every thread's backend instance)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_until = 0.0
        self.logged_at = float("-inf")
        self.down_since: float | None = None
        self.failures = 0
        self.stale_keys: set[str] = set()
        self.stale_deleted = 0
        self.stale_overflow = False


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(location: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(location, _Breaker())


def _guarded(fallback, *, writes_keys=None):
    """Run the method against Redis unless the breaker is open; on a RedisError return fallback(...).

    writes_keys(self, *args, **kwargs) names the (made) keys a dropped write leaves possibly stale.
    """

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            breaker = self._breaker
            if time.monotonic() < breaker.open_until:
                self._remember_stale(writes_keys, args, kwargs)
                return fallback(*args, **kwargs)
            try:
                if breaker.stale_keys:
                    self._stale_delete()
                result = method(self, *args, **kwargs)
            except RedisError as error:
                self._trip(error)
                self._remember_stale(writes_keys, args, kwargs)
                return fallback(*args, **kwargs)
            if breaker.down_since is not None:
                self._recovered()
            return result

        return wrapper

    return decorate


def _key(self, key, *args, version=None, **kwargs):
    return [self.make_key(key, version=version)]


def _keys(self, keys, *args, version=None, **kwargs):
    return [self.make_key(key, version=version) for key in keys]


def _data_keys(self, data, *args, version=None, **kwargs):
    return [self.make_key(key, version=version) for key in data]


class ResilientRedisCache(RedisCache):
    """RedisCache that treats every Redis error as a miss (see the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._breaker = _breaker_for(server if isinstance(server, str) else ",".join(server))

    # -- the breaker -----------------------------------------------------------------------------------

    def _trip(self, error: Exception) -> None:
        breaker = self._breaker
        now = time.monotonic()
        with breaker.lock:
            breaker.open_until = now + settings.STREAMAPP_CACHE_RETRY_SECONDS
            breaker.failures += 1
            if breaker.down_since is None:
                breaker.down_since = now
            log = now - breaker.logged_at >= settings.STREAMAPP_CACHE_OUTAGE_LOG_SECONDS
            if log:
                breaker.logged_at = now
        if log:
            logger.warning(
                "Cache unreachable (%s: %s): serving without it, trying again every %s s",
                type(error).__name__,
                error,
                settings.STREAMAPP_CACHE_RETRY_SECONDS,
            )

    def _remember_stale(self, writes_keys, args, kwargs) -> None:
        if writes_keys is None:
            return
        keys = writes_keys(self, *args, **kwargs)
        breaker = self._breaker
        with breaker.lock:
            if len(breaker.stale_keys) + len(keys) > STALE_KEYS_KEPT:
                breaker.stale_overflow = True
            else:
                breaker.stale_keys.update(keys)

    def _stale_delete(self) -> None:
        """Delete the keys of writes dropped during the outage (raise RedisError if it goes on)."""
        breaker = self._breaker
        with breaker.lock:
            keys = list(breaker.stale_keys)
        for start in range(0, len(keys), 1000):
            self._cache.delete_many(keys[start : start + 1000])
        with breaker.lock:
            breaker.stale_keys.difference_update(keys)
            breaker.stale_deleted += len(keys)

    def _recovered(self) -> None:
        """Close the outage after a call that reached Redis (logged once)."""
        breaker = self._breaker
        with breaker.lock:
            if breaker.down_since is None:
                return
            seconds = time.monotonic() - breaker.down_since
            failures, deleted, overflow = breaker.failures, breaker.stale_deleted, breaker.stale_overflow
            breaker.down_since, breaker.failures = None, 0
            breaker.stale_deleted, breaker.stale_overflow = 0, False
        logger.warning(
            "Cache reachable again after %.0f s (%d failed calls); %d possibly stale keys deleted%s",
            seconds,
            failures,
            deleted,
            " (more were dropped: they expire by their timeouts)" if overflow else "",
        )

    # -- the cache API ---------------------------------------------------------------------------------

    @_guarded(lambda key, value, timeout=DEFAULT_TIMEOUT, version=None: True, writes_keys=_key)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_guarded(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_guarded(lambda key, value, timeout=DEFAULT_TIMEOUT, version=None: None, writes_keys=_key)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_guarded(lambda key, timeout=DEFAULT_TIMEOUT, version=None: False)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_guarded(lambda key, version=None: False, writes_keys=_key)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_guarded(lambda keys, version=None: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_guarded(lambda key, version=None: False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_guarded(lambda key, delta=1, version=None: delta, writes_keys=_key)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_guarded(lambda data, timeout=DEFAULT_TIMEOUT, version=None: list(data), writes_keys=_data_keys)
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_guarded(lambda keys, version=None: None, writes_keys=_keys)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_guarded(lambda: False)
    def clear(self):
        return super().clear()
