"""Listening's shelf on the home page: the albums the listener played last."""

from django.urls import reverse

from catalog import shelves

from . import selectors

RECENT_ALBUMS = 12


def version(user) -> str:
    """Return the version of the listener's plays, listens and recommendations (their shelves' key)."""
    return selectors.listener_version(user_id=user.pk)


def recently_played(user) -> shelves.Shelf | None:
    """Return the "Recently played" shelf (3 queries), or None before anything was played."""
    albums = selectors.recently_played_albums(user=user, limit=RECENT_ALBUMS)
    if not albums:
        return None
    return shelves.Shelf(
        key="recently-played", title="Recently played", albums=albums, url=reverse("listening:history")
    )
