"""Template tags for listening's parts of every page: like buttons and the sidebar's library."""

from django import template

from listening import selectors

register = template.Library()


def liked_id_cache(context, kind: str) -> set:
    """Return the ids of every track, album or artist ("kind") the listener likes, loaded once a page.

    The first call on a page loads every kind in one query; the sets are kept on the request for the
    rest of it.
    """
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return set()
    sets = getattr(request, "_liked_ids", None) if request is not None else None
    if sets is None:
        sets = selectors.liked_id_sets(user=user)
        if request is not None:
            request._liked_ids = sets
    return sets[kind]


@register.simple_tag(takes_context=True)
def liked(context, kind: str, pk) -> bool:
    """Return whether the listener likes this track, album or artist.

    The first call on a page loads every liked id of that kind once (one query), so a tracklist of
    any length costs the same.
    """
    return pk in liked_id_cache(context, kind)


@register.inclusion_tag("listening/partials/sidebar_library.html", takes_context=True)
def library_sidebar(context) -> dict:
    """Render the sidebar's "Your library": liked songs and the listener's playlists (one query)."""
    user = context.get("user")
    playlists = selectors.library_playlists(user=user) if user and user.is_authenticated else []
    return {"user": user, "playlists": playlists, "request": context.get("request")}
