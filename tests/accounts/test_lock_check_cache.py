"""The lock check's shortcut (accounts.lockout.ClearMark): with a shared cache, an account and address the
database found clear are not asked again until a failure of either is recorded; a lost generation, an
unreachable cache or a local-memory cache always asks the database."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from accounts import lockout
from tests.test_cache_outage import redis_caches, redis_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 3


@pytest.fixture
def shared_cache(settings, redis_server):  # noqa: F811 (the fixture imported above)
    settings.CACHES = redis_caches(redis_server.port)
    settings.STREAMAPP_LOGIN_FAILURE_LIMIT = LIMIT
    settings.STREAMAPP_LOGIN_LOCK_SECONDS = 600
    settings.STREAMAPP_CACHE_RETRY_SECONDS = 0.2
    cache.clear()
    return redis_server


def _request(address="203.0.113.5"):
    return RequestFactory().get("/rest/ping", REMOTE_ADDR=address)


def _fail(username, address="203.0.113.5", times=1):
    for _ in range(times):
        lockout.failed(_request(address), username)


def test_a_clear_account_and_address_are_asked_once(shared_cache, django_assert_num_queries):
    with django_assert_num_queries(1):
        lockout.refuse_if_locked(_request(), "listener")
    with django_assert_num_queries(0):
        lockout.refuse_if_locked(_request(), "listener")
    # Another address (or account) has its own mark: asked once.
    with django_assert_num_queries(1):
        lockout.refuse_if_locked(_request("198.51.100.7"), "listener")


def test_failures_after_a_mark_lock_the_account_at_once(shared_cache):
    lockout.refuse_if_locked(_request(), "listener")
    lockout.refuse_if_locked(_request("198.51.100.7"), "listener")
    _fail("listener", "192.0.2.1", times=LIMIT)  # from a third address: the account's generation moves
    for address in ("203.0.113.5", "198.51.100.7"):
        with pytest.raises(lockout.LockedOut):
            lockout.refuse_if_locked(_request(address), "listener")


def test_failures_after_a_mark_lock_the_address_for_every_account(shared_cache):
    lockout.refuse_if_locked(_request(), "listener")
    for number in range(LIMIT):
        _fail(f"guess-{number}")  # other accounts, the same address
    with pytest.raises(lockout.LockedOut):
        lockout.refuse_if_locked(_request(), "listener")
    # A lock is never marked: every check asks (and refuses) until it ends.
    with pytest.raises(lockout.LockedOut):
        lockout.refuse_if_locked(_request(), "listener")


def test_failures_below_the_limit_are_still_counted_after_a_mark(shared_cache):
    _fail("listener", times=LIMIT - 1)
    lockout.refuse_if_locked(_request(), "listener")  # not locked yet: marked clear
    _fail("listener")
    with pytest.raises(lockout.LockedOut):
        lockout.refuse_if_locked(_request(), "listener")


def test_a_lost_generation_never_vouches(shared_cache, django_assert_num_queries):
    lockout.refuse_if_locked(_request(), "listener")
    for key in lockout.generation_keys("listener", "203.0.113.5"):
        cache.delete(key)  # evicted, expired, or dropped in an outage
    with django_assert_num_queries(1):
        lockout.refuse_if_locked(_request(), "listener")
    with django_assert_num_queries(0):
        lockout.refuse_if_locked(_request(), "listener")


def test_with_redis_down_the_database_decides(shared_cache, django_assert_num_queries):
    lockout.refuse_if_locked(_request(), "listener")
    shared_cache.stop()
    with django_assert_num_queries(1):
        lockout.refuse_if_locked(_request(), "listener")
    _fail("listener", times=LIMIT)  # recorded in the database; the cache can't hear of it
    with pytest.raises(lockout.LockedOut):
        lockout.refuse_if_locked(_request(), "listener")
    shared_cache.start()  # an empty Redis: no generation, no mark
    with pytest.raises(lockout.LockedOut):
        lockout.refuse_if_locked(_request(), "listener")


def test_a_local_memory_cache_never_vouches(settings, django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for _ in range(2):
        with django_assert_num_queries(1):
            lockout.refuse_if_locked(_request(), "listener")
