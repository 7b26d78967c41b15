"""Template tags for listening's parts of every page: the sidebar's library."""

from django import template

from listening import selectors

register = template.Library()


@register.inclusion_tag("listening/partials/sidebar_library.html", takes_context=True)
def library_sidebar(context) -> dict:
    """Render the sidebar's "Your library": liked songs and the listener's playlists (one query)."""
    user = context.get("user")
    playlists = selectors.library_playlists(user=user) if user and user.is_authenticated else []
    return {"user": user, "playlists": playlists, "request": context.get("request")}
