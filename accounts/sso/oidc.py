"""OpenID Connect log-in through mozilla-django-oidc, configured by the environment (settings OIDC_*).

The authorization-code flow with PKCE and a nonce: /accounts/sso/oidc/start/ sends the browser to the
provider, which sends it back to /accounts/sso/oidc/callback/ with a code; the backend exchanges the
code for tokens, checks the ID token's signature (the provider's JWKS) and reads the user's claims.
An account is found by the identity it was linked to at an earlier log-in (the ID token's issuer and
subject, kept in OIDCIdentity), else by its e-mail address (when the provider doesn't say it is
unverified), then linked; an unknown person gets an account only while sign-up is open. The staff
flag follows the groups claim on every log-in. A refused log-in ends on a page that says why.
Endpoints come from the settings, or from the provider's discovery document (fetched once, then kept
in the cache for an hour).
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import apply_staff_from_groups, available_username, may_create_users
from .models import OIDCIdentity

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 3600
# The settings naming each endpoint, and the discovery document's key for it.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
# Why a log-in was refused: the page's message (request.sso_refusal names one).
REFUSALS = {
    "signup-closed": (
        "There is no account for you here yet, and new accounts are not created by single sign-on on "
        "this server. Ask its owner for an invitation, then log in again."
    ),
    "inactive": "Your account here is deactivated. Ask the server's owner if you think this is a mistake.",
    "unreachable": "The identity provider can't be reached just now. Try again in a moment.",
    "failed": "The identity provider's answer could not be verified. Try again; if it keeps failing, "
    "tell the server's owner.",
}


def oidc_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def provider_endpoints() -> dict[str, str]:
    """Return the provider's endpoints by setting name: the settings, completed from discovery."""
    endpoints = {name: getattr(settings, name) for name in ENDPOINTS}
    if all(endpoints.values()):
        return endpoints
    url = settings.STREAMAPP_OIDC_DISCOVERY_URL
    if not url:
        missing = ", ".join(name for name, value in endpoints.items() if not value)
        raise ImproperlyConfigured(f"OpenID Connect needs STREAMAPP_OIDC_DISCOVERY_URL or {missing}.")
    key = f"accounts:oidc-discovery:{url}"
    document = cache.get(key)
    if document is None:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        cache.set(key, document, timeout=DISCOVERY_CACHE_SECONDS)
    return {name: value or document.get(ENDPOINTS[name], "") for name, value in endpoints.items()}


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, read from the settings at each log-in and answering only when on."""

    def __init__(self, *args, **kwargs):
        # The library reads the endpoints here; they are resolved at log-in instead (discovery is a
        # request, and this backend is built for every password log-in too).
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback's call (with the nonce kept in the session at the start), never a password
        # log-in whose address happens to carry ?code=&state=.
        if request is None or not oidc_enabled() or not kwargs.get("nonce") or "password" in kwargs:
            return None
        request.sso_refusal = "failed"
        try:
            for name, value in provider_endpoints().items():
                setattr(self, name, value)
        except (requests.RequestException, ValueError) as error:
            logger.warning("OpenID Connect discovery failed: %s", error)
            request.sso_refusal = "unreachable"
            return None
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            user = super().authenticate(request, **kwargs)
        except (requests.RequestException, ValueError, SuspiciousOperation, jwt.PyJWTError) as error:
            logger.warning("OpenID Connect log-in failed: %s", error)
            return None
        if user is None:
            return None
        request.sso_refusal = None if self.user_can_authenticate(user) else "inactive"
        return user if request.sso_refusal is None else None

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        """The accounts with the claims' e-mail address, when the provider has verified it."""
        email = claims.get("email")
        if not email or claims.get("email_verified") is False:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email)

    def get_or_create_user(self, access_token, id_token, payload):
        """The account linked to the ID token's issuer and subject, else the one with the verified
        e-mail address (then linked), else a new one (linked) while sign-up is open."""
        # The userinfo endpoint's claims, over the ID token's (some providers put groups in one only);
        # the issuer and subject are the signed ID token's.
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        claims.update(iss=payload.get("iss", ""), sub=payload.get("sub", ""))
        if not self.verify_claims(claims):
            raise SuspiciousOperation("The provider's claims name no subject.")
        identity = (
            OIDCIdentity.objects.select_related("user")
            .filter(issuer=claims["iss"], subject=claims["sub"])
            .first()
        )
        if identity is not None:
            return self.update_user(identity.user, claims)
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) > 1:
            raise SuspiciousOperation("Several accounts have this e-mail address.")
        if not users and not may_create_users():
            self.request.sso_refusal = "signup-closed"
            logger.info("OpenID Connect log-in of an unknown user refused: sign-up is not open")
            return None
        with transaction.atomic():
            user = self.update_user(users[0], claims) if users else self.create_user(claims)
            OIDCIdentity.objects.get_or_create(
                issuer=claims["iss"], subject=claims["sub"], defaults={"user": user}
            )
        return user

    def create_user(self, claims):
        email = claims.get("email") if claims.get("email_verified") is not False else ""
        wanted = claims.get("preferred_username") or (email or "").split("@")[0] or claims["sub"]
        user = self.UserModel(username=available_username(wanted), email=email or "")
        user.set_unusable_password()
        apply_staff_from_groups(user, self._groups(claims), staff_group=settings.STREAMAPP_OIDC_STAFF_GROUP)
        user.save()
        return user

    def update_user(self, user, claims):
        groups = self._groups(claims)
        if apply_staff_from_groups(user, groups, staff_group=settings.STREAMAPP_OIDC_STAFF_GROUP):
            user.save(update_fields=["is_staff"])
        return user

    @staticmethod
    def _groups(claims) -> list[str]:
        groups = claims.get(settings.STREAMAPP_OIDC_GROUPS_CLAIM) or []
        return [groups] if isinstance(groups, str) else [str(group) for group in groups]

    def get_user(self, user_id):
        return None  # sessions are logged in with the cached backend (OIDCCallbackView.login_success)


class OIDCStartView(OIDCAuthenticationRequestView):
    """Send the browser to the provider's log-in (404 while OpenID Connect is off)."""

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not oidc_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_endpoints()["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        except (requests.RequestException, ValueError) as error:
            logger.warning("OpenID Connect discovery failed: %s", error)
            return refusal_page(request, "unreachable", status=503)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """Log the user in, or say on a page why not."""

    def get(self, request):
        if not oidc_enabled():
            raise Http404("Single sign-on is not configured.")
        return super().get(request)

    def login_success(self) -> HttpResponse:
        # The session names the cached model backend, as a password log-in does: every request then
        # reads the user the same way, whoever authenticated them.
        self.user.backend = "accounts.backends.CachedModelBackend"
        if not self.request.user.is_authenticated or self.request.user != self.user:
            auth.login(self.request, self.user)
        return super().login_success()

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "sso_refusal", None) or "failed"
        if self.request.GET.get("error"):
            reason = "failed"
        return refusal_page(self.request, reason, status=403)


def refusal_page(request, reason: str, *, status: int) -> HttpResponse:
    """The page saying why single sign-on did not log the user in."""
    context = {"message": REFUSALS[reason], "provider_name": settings.STREAMAPP_OIDC_PROVIDER_NAME}
    return render(request, "accounts/sso_refused.html", context, status=status)
