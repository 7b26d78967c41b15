"""System checks of the single sign-on settings: a mistake is named at start-up, not met at log-in."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Warning

from .oidc import ENDPOINTS


def sso_settings_check(app_configs=None, **kwargs) -> list:
    return _remote_user_problems() + _oidc_problems()


def _remote_user_problems() -> list:
    problems = []
    for proxy in settings.STREAMAPP_TRUSTED_PROXIES:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            problems.append(
                Error(
                    f"STREAMAPP_TRUSTED_PROXIES: {proxy!r} is not an address or network (CIDR).",
                    id="accounts.E101",
                )
            )
    if settings.STREAMAPP_REMOTE_USER_HEADER and not settings.STREAMAPP_TRUSTED_PROXIES:
        problems.append(
            Warning(
                "STREAMAPP_REMOTE_USER_HEADER is set but STREAMAPP_TRUSTED_PROXIES is empty: "
                "the header is never honoured.",
                hint="Set STREAMAPP_TRUSTED_PROXIES to the reverse proxy's address (e.g. 127.0.0.1).",
                id="accounts.W102",
            )
        )
    return problems


def _oidc_problems() -> list:
    if not settings.OIDC_RP_CLIENT_ID:
        return []
    problems = []
    if not settings.OIDC_RP_CLIENT_SECRET:
        problems.append(Error("OIDC_RP_CLIENT_ID is set but not OIDC_RP_CLIENT_SECRET.", id="accounts.E103"))
    missing = [name for name in ENDPOINTS if not getattr(settings, name)]
    if missing and not settings.STREAMAPP_OIDC_DISCOVERY_URL:
        problems.append(
            Error(
                f"OpenID Connect needs STREAMAPP_OIDC_DISCOVERY_URL or {', '.join(missing)}.",
                id="accounts.E104",
            )
        )
    return problems
