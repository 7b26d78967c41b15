"""Template tags for listening's parts of every page: the sidebar's library."""

from django import template
from django.contrib.auth.models import AnonymousUser
from django.utils.safestring import SafeString

from listening import pages

register = template.Library()


@register.simple_tag(takes_context=True)
def library_sidebar(context) -> SafeString:
    """Write the sidebar's "Your library": liked songs and the listener's playlists (kept as HTML)."""
    user = context.get("user") or getattr(context.get("request"), "user", None) or AnonymousUser()
    return pages.sidebar_part(user=user)
