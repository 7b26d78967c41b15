from django.apps import AppConfig


class SSOConfig(AppConfig):
    """Single sign-on's own app (label accounts_sso): the provider identities linked to accounts."""

    name = "accounts.sso"
    label = "accounts_sso"
    verbose_name = "Single sign-on"
