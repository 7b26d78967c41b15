"""The authentication backend: Django's ModelBackend, reading the logged-in user from the cache.

Every request with a session loads its user (django.contrib.auth.get_user): a query that costs
more than a kept page's whole cache read. The user is kept in the cache by id and forgotten
whenever it is saved or deleted (receivers wired in AccountsConfig.ready: a new password, a change
of is_active or is_staff, a login's last_login all go through save()), and expires anyway after
STREAMAPP_LIBRARY_SECONDS. The session's auth hash is still checked on every request against the
kept user's password hash, as Django does, so a password change ends other sessions at once.
With STREAMAPP_ALLOW_DEMO_ACCOUNTS off (production), the demo accounts' passwords never log in.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from .checks import demo_credentials

USER_CACHE_KEY = "accounts:user:v2:{pk}"  # v2: the player settings


class CachedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # Production refuses the demo accounts' well-known passwords (admin/admin from an earlier
        # `make run`), whatever the database holds; `check --deploy` names such accounts.
        if not settings.STREAMAPP_ALLOW_DEMO_ACCOUNTS and demo_credentials(username, password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        key = USER_CACHE_KEY.format(pk=user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            cache.set(key, user, timeout=settings.STREAMAPP_LIBRARY_SECONDS)
        return user if self.user_can_authenticate(user) else None


def user_forget(*, pk) -> None:
    """Forget a kept user, now and once the current transaction commits."""
    key = USER_CACHE_KEY.format(pk=pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_saved_user(sender, instance, **kwargs) -> None:
    """post_save / post_delete receiver of the user model."""
    if instance.pk is not None:
        user_forget(pk=instance.pk)
