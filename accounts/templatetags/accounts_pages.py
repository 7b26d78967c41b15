"""Template tags of accounts' pages."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def signup_mode() -> str:
    """STREAMAPP_SIGNUP: open, invite or closed (the log-in page links to sign-up only when it can help)."""
    return settings.STREAMAPP_SIGNUP
