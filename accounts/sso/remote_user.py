"""Log-in by a trusted reverse proxy's header (Remote-User), as Authelia or Authentik behind nginx send it.

The header (STREAMAPP_REMOTE_USER_HEADER) is honoured only on a request whose direct peer, REMOTE_ADDR,
is one of STREAMAPP_TRUSTED_PROXIES; from any other address it is dropped before anything reads it, so a
client that talks to the application directly can't name itself anyone. A known user is logged in; an
unknown one gets an account only while sign-up is open. The optional groups header makes members of
STREAMAPP_REMOTE_STAFF_GROUP staff (and others not) at each log-in. A session logged in this way ends
when the proxy stops sending the header; password sessions are left alone.
"""

import ipaddress
import logging
from functools import lru_cache

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import RemoteUserMiddleware

from ..backends import CachedModelBackend
from . import apply_staff_from_groups, may_create_users

logger = logging.getLogger(__name__)


def meta_key(header: str) -> str:
    """The request.META key of an HTTP header: Remote-User is HTTP_REMOTE_USER."""
    return "HTTP_" + header.strip().upper().replace("-", "_")


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    """The proxies' networks; an entry that is none is left out (the system check names it)."""
    networks = []
    for proxy in proxies:
        try:
            networks.append(ipaddress.ip_network(proxy, strict=False))
        except ValueError:
            continue
    return tuple(networks)


def from_trusted_proxy(request) -> bool:
    """Whether the request's direct peer is one of STREAMAPP_TRUSTED_PROXIES."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.STREAMAPP_TRUSTED_PROXIES)))


def remote_user_enabled() -> bool:
    return bool(settings.STREAMAPP_REMOTE_USER_HEADER)


class TrustedProxyRemoteUserMiddleware(RemoteUserMiddleware):
    """Django's RemoteUserMiddleware on the configured header, from trusted proxies only."""

    @property
    def header(self) -> str:
        return meta_key(settings.STREAMAPP_REMOTE_USER_HEADER)

    def process_request(self, request):
        if not remote_user_enabled():
            return
        if not from_trusted_proxy(request):
            # Not from the proxy: the header (and the groups one) are whatever the client wrote.
            for header in (settings.STREAMAPP_REMOTE_USER_HEADER, settings.STREAMAPP_REMOTE_GROUPS_HEADER):
                if header and request.META.pop(meta_key(header), None) is not None:
                    peer = request.META.get("REMOTE_ADDR")
                    logger.warning("%s header from %s ignored: not a trusted proxy", header, peer)
        super().process_request(request)

    async def aprocess_request(self, request):
        await sync_to_async(self.process_request, thread_sensitive=True)(request)


class TrustedProxyBackend(RemoteUserBackend, CachedModelBackend):
    """RemoteUserBackend creating users only while sign-up is open; reads sessions' users from the cache."""

    def authenticate(self, request, remote_user):
        if request is None or not remote_user_enabled() or not from_trusted_proxy(request):
            return None
        self.create_unknown_user = may_create_users()
        user = super().authenticate(request, remote_user)
        if user is None:
            logger.info("Remote-user log-in of %r refused (unknown or deactivated)", remote_user)
        return user

    def clean_username(self, username: str) -> str:
        return username.strip()

    def configure_user(self, request, user, created=True):
        if user is None:
            return None
        fields = []
        if created:
            user.set_unusable_password()
            fields.append("password")
        if settings.STREAMAPP_REMOTE_GROUPS_HEADER and apply_staff_from_groups(
            user, self._groups(request), staff_group=settings.STREAMAPP_REMOTE_STAFF_GROUP
        ):
            fields.append("is_staff")
        if fields:
            user.save(update_fields=fields)
        return user

    @staticmethod
    def _groups(request) -> list[str]:
        value = request.META.get(meta_key(settings.STREAMAPP_REMOTE_GROUPS_HEADER), "")
        return [group.strip() for group in value.split(",") if group.strip()]
