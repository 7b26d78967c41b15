"""A listener's own pages kept as HTML: recently played until they play or listen to something, a
playlist's entries until it changes, the sidebar's library until it does.

The history page shows 50 listens with their tracks, albums and artists: a query that builds 200
objects and rows that take a few milliseconds to write. It changes only when the listener's listens
do, so its listens part is rendered from a template without a request and kept under the listener's
version (selectors.listener_version, replaced by every play, listen, import and linked listen), the
catalog version (titles and availability), the day (for "Today" and "Yesterday") and the listener's
time zone. What plays now is kept apart, until it expires (selectors.now_playing_kept).
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

from catalog import selectors as catalog_selectors
from streamapp.ui.tracklists import playlist_rows

from . import selectors
from .forms import CollaboratorForm, PlaylistForm
from .models import Playlist


def sidebar_part(*, user) -> SafeString:
    """Return the sidebar's "Your library" (liked songs, recently played, the listener's playlists).

    On every page: kept per listener until the playlist services forget it with the library
    (selectors.library_forget), and for STREAMAPP_LIBRARY_SECONDS at most.
    """
    if not user.is_authenticated:
        return render_to_string("listening/partials/sidebar_library.html", {"playlists": []})
    key = selectors.SIDEBAR_CACHE_KEY.format(user_id=user.pk)
    html = cache.get(key)
    if html is None:
        context = {"user": user, "playlists": selectors.library_playlists(user=user)}
        html = str(render_to_string("listening/partials/sidebar_library.html", context))
        cache.set(key, html, timeout=settings.STREAMAPP_LIBRARY_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our own template, escaped there


def history_part(*, user, limit: int, before: dt.datetime | None) -> SafeString:
    """Return the listens part of the history page (days of listens and the "Older listens" link)."""
    zone = selectors.user_zone(user)
    today = dt.datetime.now(zone).date()

    def build() -> str:
        days = selectors.recently_played(user=user, limit=limit, before=before)
        listens = [listen for day in days for listen in day.listens]
        context = {
            "days": days,
            "zone": zone,
            "today": today,
            "yesterday": today - dt.timedelta(days=1),
            "older": listens[-1].listened_at if len(listens) == limit else None,
            "before": before,
        }
        return str(render_to_string("listening/partials/history_listens.html", context))

    version = selectors.listener_version(user_id=user.pk)
    page = hashlib.sha256(f"{limit}:{before.isoformat() if before else ''}:{zone}".encode()).hexdigest()[:24]
    name = f"history-page:v1:{user.pk}:{version}:{today.isoformat()}:{page}"
    html = catalog_selectors.cached_read(name, build, timeout=settings.STREAMAPP_LIBRARY_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our own template, escaped there


@dataclass(frozen=True)
class PlaylistTracks:
    """A playlist's entries as its page shows them: the rows, their count and length, the mosaic."""

    rows_html: str
    track_count: int
    duration_ms: int
    mosaic: list[str]

    @property
    def rows(self) -> SafeString:
        return mark_safe(self.rows_html)  # noqa: S308 - rendered by our own tags, escaped there


def playlist_tracks_part(*, access: selectors.PlaylistAccess) -> PlaylistTracks:
    """Return a playlist's entries for its page (editable rows for an owner or collaborator).

    Kept under the playlist's version (access.version: replaced by the playlist services on every
    change and, for a generated playlist, by its owner's listener version, which the nightly
    generation and thumbs-downs replace), its updated_at and the catalog version.
    """
    playlist = access.playlist

    def build() -> PlaylistTracks:
        entries = selectors.playlist_entries(playlist=playlist)
        return PlaylistTracks(
            rows_html=str(playlist_rows(entries.items, can_edit=access.can_edit)),
            track_count=entries.track_count,
            duration_ms=entries.duration_ms,
            mosaic=entries.mosaic,
        )

    stamp = playlist.updated_at.isoformat()
    name = f"playlist-tracks:v1:{playlist.pk}:{access.version}:{stamp}:{int(access.can_edit)}"
    return catalog_selectors.cached_read(name, build, timeout=settings.STREAMAPP_LIBRARY_SECONDS)


# Forms in kept parts carry this instead of the CSRF token, and the view puts the request's token in
# its place (with_csrf_token). The same in every process of a deployment (parts are shared through
# the cache), and derived from SECRET_KEY, so no title or name can carry it.
def _csrf_hole() -> str:
    return "csrf-hole-" + salted_hmac("streamapp.kept-parts", "csrf").hexdigest()[:32]


def with_csrf_token(request, html: str) -> SafeString:
    """Return a kept part with the request's CSRF token in place of the hole its forms carry."""
    return mark_safe(html.replace(_csrf_hole(), get_token(request)))  # noqa: S308 - our own part


def playlist_main_part(*, access: selectors.PlaylistAccess, user) -> str:
    """Return a playlist's page as `user` sees it (header, tools, entries, the owner's dialogs).

    Kept under the playlist's version (see playlist_tracks_part) and the viewer: the owner and each
    collaborator see their own tools, everyone else the same page. Its forms carry the CSRF hole:
    pass it through with_csrf_token().
    """
    playlist = access.playlist

    def build() -> str:
        context = {
            "page": access,
            "tracks": playlist_tracks_part(access=access),
            "playlist": playlist,
            "play_context": "playlist" if playlist.kind == Playlist.Kind.USER else "generated",
            "edit_form": PlaylistForm(
                initial={
                    "name": playlist.name,
                    "description": playlist.description,
                    "is_public": playlist.is_public,
                }
            ),
            "collaborator_form": CollaboratorForm(),
            "user": user,
            "csrf_token": _csrf_hole(),
        }
        return str(render_to_string("listening/partials/playlist_main.html", context))

    viewer = f"member-{user.pk}" if access.is_member else "viewer"
    stamp = playlist.updated_at.isoformat()
    # The hole in the name too: parts kept before a SECRET_KEY change are never read after it.
    name = f"playlist-page:v1:{playlist.pk}:{access.version}:{stamp}:{viewer}:{_csrf_hole()[-8:]}"
    return catalog_selectors.cached_read(name, build, timeout=settings.STREAMAPP_LIBRARY_SECONDS)
