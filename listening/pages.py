"""A listener's own pages kept as HTML: recently played until they play or listen to something, a
playlist's entries until it changes, the sidebar's library until it does.

The history page shows 50 listens with their tracks, albums and artists: a query that builds 200
objects and rows that take a few milliseconds to write. It changes only when the listener's listens
do, so its listens part is rendered from a template without a request and kept under the listener's
version (selectors.listener_version, replaced by every play, listen, import and linked listen), the
catalog version (titles and availability), the day (for "Today" and "Yesterday") and the listener's
time zone. What plays now is read on every view: it ends by itself.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from catalog import selectors as catalog_selectors

from . import selectors
from .models import Playlist
from .templatetags.tracklists import playlist_rows


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


def playlist_tracks_part(*, playlist: Playlist, can_edit: bool) -> PlaylistTracks:
    """Return a playlist's entries for its page (editable rows for an owner or collaborator).

    Kept under the playlist's updated_at (which every add, removal and reorder moves, as the nightly
    generation does for Discover and the Daily Mixes), the catalog version and, for a generated
    playlist, its owner's listener version (a thumbs-down takes a track out of it).
    """

    def build() -> PlaylistTracks:
        entries = selectors.playlist_entries(playlist=playlist)
        return PlaylistTracks(
            rows_html=str(playlist_rows(entries.items, can_edit=can_edit)),
            track_count=entries.track_count,
            duration_ms=entries.duration_ms,
            mosaic=entries.mosaic,
        )

    generated = playlist.kind != Playlist.Kind.USER
    owner = selectors.listener_version(user_id=playlist.owner_id) if generated else ""
    name = f"playlist-page:v1:{playlist.pk}:{playlist.updated_at.isoformat()}:{int(can_edit)}:{owner}"
    return catalog_selectors.cached_read(name, build, timeout=settings.STREAMAPP_LIBRARY_SECONDS)
