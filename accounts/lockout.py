"""Log-in protection: failed log-ins counted per account and per client address (django-axes).

One mechanism for every credential check:
- the web and the admin's log-in forms go through django.contrib.auth.authenticate(): axes' backend
  (first in AUTHENTICATION_BACKENDS) refuses a locked account or address, right password or not, and
  its signal receiver counts each failure; LockoutMessageMixin turns the refusal into a form error
  naming when to try again;
- API tokens (DRF's TokenAuthentication through accounts.authentication, /stream/'s token, the
  ListenBrainz token checks) and the Subsonic API call refuse_if_locked() and failed() here.

After STREAMAPP_LOGIN_FAILURE_LIMIT failures for an account or from an address, that account / address
is locked for STREAMAPP_LOGIN_LOCK_SECONDS; each further failure during the lock starts it again, so a
guesser who keeps trying stays locked, and the lock grows: every further LIMIT failures double it (up to
2**MAX_DOUBLINGS times), and failures are remembered for the longest lock (lock_seconds, below).
Failures and locks are rows of axes' AccessAttempt (the database, not the cache): they
survive a Redis outage, and staff see and clear them in the admin ("Access attempts"; deleting the rows
lifts the lock).

With a shared cache (Redis), refuse_if_locked() skips that query when the cache vouches that nothing
changed since the database last said "not locked" (ClearMark, below): the Subsonic API checks the lock
on every call, and the query was a third of its cost.
"""

import ipaddress
import math
import secrets
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_parameters, get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from streamapp.ratelimit import key_digest


class LockedOut(Exception):
    """Too many failed log-ins: `seconds` until the next try is accepted."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(lock_message(seconds))


# Every further LIMIT failures double the lock, up to 2**MAX_DOUBLINGS times the first (32: 8 hours for
# the default 15 minutes).
MAX_DOUBLINGS = 5


def lock_seconds(failures: int) -> int:
    """How long `failures` failed log-ins lock an account or address, from the latest failure."""
    limit = max(1, settings.STREAMAPP_LOGIN_FAILURE_LIMIT)
    doublings = min(max(0, failures - limit) // limit, MAX_DOUBLINGS)
    return settings.STREAMAPP_LOGIN_LOCK_SECONDS * 2**doublings


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long failures are remembered (the longest lock); each lock's own length is
    lock_seconds(its failures), checked by DatabaseHandler.get_failures and seconds_left."""
    return timedelta(seconds=settings.STREAMAPP_LOGIN_LOCK_SECONDS * 2**MAX_DOUBLINGS)


def _lock_counts(parameters: list[dict], since) -> list[tuple[int, object]]:
    """Return (failures, latest failure) for each lockout parameter (an account, an address), over the
    failures after `since`, in one query."""
    aggregates = {}
    for number, kw in enumerate(parameters):
        aggregates[f"n_{number}"] = Sum("failures_since_start", filter=Q(**kw))
        aggregates[f"t_{number}"] = Max("attempt_time", filter=Q(**kw))
    found = AccessAttempt.objects.filter(attempt_time__gte=since).aggregate(**aggregates)
    return [(found[f"n_{number}"] or 0, found[f"t_{number}"]) for number in range(len(parameters))]


def _still_counted(failures: int, latest, now) -> bool:
    """Whether failures whose latest was at `latest` still count (their lock, or the one they would make
    with one more, has not ended)."""
    limit = settings.STREAMAPP_LOGIN_FAILURE_LIMIT
    return latest is not None and latest + timedelta(seconds=lock_seconds(max(failures, limit))) > now


def client_address(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the client's address. Behind a trusted proxy (REMOTE_ADDR in
    FORWARDED_ALLOW_IPS, as gunicorn trusts it), the last X-Forwarded-For entry, the one the proxy
    appended (nginx's $proxy_add_x_forwarded_for); earlier entries are the client's word and ignored."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = {address.strip() for address in settings.FORWARDED_ALLOW_IPS.split(",")}
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and (remote in trusted or "*" in trusted):
        last = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))  # axes keeps it in an address column
        except ValueError:
            return remote
    return remote


def failure_limit(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: failed log-ins before a lock."""
    return settings.STREAMAPP_LOGIN_FAILURE_LIMIT


def _credentials(username: str | None) -> dict:
    return {settings.AXES_USERNAME_FORM_FIELD: username} if username else {}


def _django_request(request):
    return getattr(request, "_request", request)  # DRF's Request wraps Django's


def seconds_left(request, username: str | None = None) -> int:
    """Seconds until the lock on this account or the request's address ends (at least 1)."""
    request = _django_request(request)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    parameters = [{"ip_address": address}] + ([{"username": username}] if username else [])
    now = timezone.now()
    ends = [
        latest + timedelta(seconds=lock_seconds(failures))
        for failures, latest in _lock_counts(parameters, now - cool_off())
        if failures >= settings.STREAMAPP_LOGIN_FAILURE_LIMIT and latest is not None
    ]
    if not ends:
        return 1
    return max(1, math.ceil((max(ends) - now).total_seconds()))


def lock_message(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    when = f"{minutes} minute{'s' if minutes != 1 else ''}" if seconds > 90 else f"{seconds} seconds"
    return f"Too many failed log-ins: this account or address is locked. Try again in {when}."


def refuse_if_locked(request, username: str | None = None) -> None:
    """Raise LockedOut while the account or the request's address is locked (1 query, 2 when locked; none
    while a shared cache vouches that the account and address are clear: ClearMark)."""
    request = _django_request(request)
    if not settings.AXES_ENABLED:
        return
    mark = ClearMark.read(username, client_address(request))
    if mark is not None and mark.vouched:
        return
    if AxesProxyHandler.is_locked(request, _credentials(username)):
        raise LockedOut(seconds_left(request, username))
    if mark is not None:
        mark.remember()


# ------------------------------------------------------------------------------ the lock check's shortcut
# Seconds a "clear" mark stands (then the database is asked again), and a generation lasts unused.
CLEAR_MARK_SECONDS = 300
GENERATION_SECONDS = 24 * 3600


def _shared_cache() -> bool:
    """Whether every process reads the same cache (Redis): a local-memory cache can't see another
    process's failures, so it never vouches."""
    return settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def generation_keys(username: str | None, address: str) -> list[str]:
    """The cache keys of the address's and the account's failure generations."""
    keys = [f"lockout:generation:address:{key_digest(address or '')}"]
    if username:
        keys.append(f"lockout:generation:account:{key_digest(username)}")
    return keys


def _new_generations(keys: list[str]) -> dict[str, int]:
    return {key: secrets.randbits(62) for key in keys}


class ClearMark:
    """The cache's word that an account and address were found clear (not locked) and that no failure of
    either has been recorded since.

    Every recorded failure gives its account and its address a new random generation (after the row is
    written: DatabaseHandler.user_login_failed). A lock check reads the generations before it asks the
    database; when the database says "not locked" it leaves a mark holding them. A later check whose
    generations still equal the mark's needs no query: nothing can lock an account or address but a new
    failure. A generation lost from the cache (evicted, expired, dropped while Redis was down and deleted
    when it came back) reads as missing and is replaced by a new random one, so it never equals an old mark;
    an unreachable cache vouches for nothing. Locks are never marked: a locked check always asks.
    """

    def __init__(self, keys: list[str], mark_key: str, generations: list[int], vouched: bool):
        self.keys, self.mark_key, self.generations, self.vouched = keys, mark_key, generations, vouched

    @classmethod
    def read(cls, username: str | None, address: str) -> "ClearMark | None":
        """Read the generations and the mark (one cache call); None when the cache can't vouch."""
        if not _shared_cache():
            return None
        keys = generation_keys(username, address)
        mark_key = "lockout:clear:" + key_digest("|".join(keys))
        found = cache.get_many([*keys, mark_key])
        missing = [key for key in keys if found.get(key) is None]
        if missing:
            for key, generation in _new_generations(missing).items():
                cache.add(key, generation, timeout=GENERATION_SECONDS)
            found.update(cache.get_many(missing))
            found.pop(mark_key, None)  # written under generations that are gone: it vouches for nothing
        generations = [found.get(key) for key in keys]
        if any(generation is None for generation in generations):
            return None  # the cache is down or refuses writes
        return cls(keys, mark_key, generations, vouched=found.get(mark_key) == generations)

    def remember(self) -> None:
        """Mark the account and address clear under the generations read before the database said so."""
        cache.set(self.mark_key, self.generations, timeout=CLEAR_MARK_SECONDS)


def failure_recorded(username: str | None, address: str) -> None:
    """Give the account and the address new generations: every mark of them stops vouching."""
    if _shared_cache():
        cache.set_many(_new_generations(generation_keys(username, address)), timeout=GENERATION_SECONDS)


def failed(request, username: str | None = None) -> None:
    """Count a failed credential check (a wrong token or password) against the address and account."""
    request = _django_request(request)
    user_login_failed.send(sender=__name__, credentials=_credentials(username), request=request)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: every credential check answers a lock itself (the log-in pages with a form
    error from LockoutMessageMixin, the APIs with 429 JSON, Subsonic with its error 40 / 44): its own
    answer is kept."""
    if original_response is not None:
        return original_response
    from django.http import JsonResponse

    seconds = seconds_left(request, (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD))
    response = JsonResponse({"detail": lock_message(seconds)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LockoutMessageMixin:
    """For AuthenticationForm and AdminAuthenticationForm: a locked log-in's form error says so, and when."""

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            username = self.cleaned_data.get("username")
            return ValidationError(lock_message(seconds_left(self.request, username)), code="locked")
        return super().get_invalid_login_error()


def lockout_parameters(request_or_attempt, credentials=None) -> list[str]:
    """AXES_LOCKOUT_PARAMETERS: per account and per address; per address alone when no account is named
    (a wrong API token names none, and must not count against every token-less failure everywhere)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request_or_attempt, "username", None)
    return ["username", "ip_address"] if username else ["ip_address"]


class DatabaseHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler, counting an account's and an address's failures in one query
    (axes runs one per lockout parameter): the lock check every Subsonic request makes costs 1 query."""

    def get_failures(self, request, credentials=None) -> int:
        parameters = get_client_parameters(
            get_client_username(request, credentials),
            request.axes_ip_address,
            request.axes_user_agent,
            request,
            credentials,
        )
        now = timezone.now()
        counts = _lock_counts(parameters, get_cool_off_threshold(request))
        return max((n for n, latest in counts if _still_counted(n, latest, now)), default=0)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """Record the failure (axes), then end every clear mark of its account and address."""
        result = super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None:
            address = getattr(request, "axes_ip_address", None) or client_address(request)
            username = get_client_username(request, credentials)
            # At once (every mark stops vouching), and again once the row is committed: a check between
            # the two could mark the new generations clear without seeing the failure.
            failure_recorded(username, address)
            transaction.on_commit(lambda: failure_recorded(username, address))
        return result

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A right log-in (AXES_RESET_ON_SUCCESS) clears its account's failures, not its address's: a
        guesser with an account of their own must not wipe their address's count by logging in."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
