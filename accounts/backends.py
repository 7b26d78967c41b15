"""The authentication backend: Django's ModelBackend, reading the session's user from the database.

Every request with a session loads its user by primary key (django.contrib.auth.get_user): one
indexed query (about 0.1 ms on SQLite or a local PostgreSQL), so the database's word on is_active,
is_staff, is_superuser and the password is the one that counts on the very next request, however the
row changed: the admin, `QuerySet.update(is_active=False)`, a command, a raw SQL UPDATE. An earlier
version kept the user in the cache and forgot it on save(): a bulk update() was never seen, and a
request busy during a deactivation could write the stale user back into the cache afterwards (issue
15). The session's auth hash is checked on every request against the password hash, as Django does,
so a password change ends other sessions at once.

Log-in protection (django-axes, accounts/lockout.py) runs before this backend: AxesStandaloneBackend
comes first in AUTHENTICATION_BACKENDS and refuses a locked account or address, right password or not.
With STREAMAPP_ALLOW_DEMO_ACCOUNTS off (production), the demo accounts' passwords never log in.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .checks import demo_credentials


class CachedModelBackend(ModelBackend):
    """Kept under its old name (sessions store the backend's dotted path): it no longer caches."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Production refuses the demo accounts' well-known passwords (admin/admin from an earlier
        # `make run`), whatever the database holds; `check --deploy` names such accounts.
        if not settings.STREAMAPP_ALLOW_DEMO_ACCOUNTS and demo_credentials(username, password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LoginProtectionBackend(AxesStandaloneBackend):
    """django-axes' lock check (accounts/lockout.py), first in AUTHENTICATION_BACKENDS. A check without
    a request (the test client's login(), a command) has no client address to count or lock: it passes."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
