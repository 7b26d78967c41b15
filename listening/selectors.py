"""Reads for listening: the saved player state, likes, history and playlists a user may see."""

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from catalog.models import Track

from .models import AlbumLike, ArtistLike, Listen, NowPlaying, PlayerState, Playlist, TrackLike


@dataclass(frozen=True)
class PlayerStateView:
    state: PlayerState
    tracks: list[Track]  # in queue order; ids no longer in the catalog are left out


def player_state_get(*, user) -> PlayerStateView:
    """Return the user's saved queue with its tracks loaded (2 queries)."""
    state = PlayerState.objects.filter(user=user).first() or PlayerState(user=user, updated_at=None)
    by_id = Track.objects.with_related().in_bulk(set(state.queue))
    return PlayerStateView(state=state, tracks=[by_id[pk] for pk in state.queue if pk in by_id])


def liked_ids(*, user, kind: str, ids: Iterable[int]) -> set[int]:
    """Return which of the given track, album or artist ids the user likes (1 query)."""
    if not user.is_authenticated:
        return set()
    model, field = {
        "track": (TrackLike, "track_id"),
        "album": (AlbumLike, "album_id"),
        "artist": (ArtistLike, "artist_id"),
    }[kind]
    return set(model.objects.filter(user=user, **{f"{field}__in": list(ids)}).values_list(field, flat=True))


def liked_tracks(*, user) -> QuerySet[Track]:
    """Return the user's liked tracks, most recently liked first."""
    return Track.objects.with_related().filter(likes__user=user).order_by("-likes__created_at", "-pk")


@dataclass(frozen=True)
class HistoryDay:
    day: dt.date
    listens: list[Listen]


def recently_played(*, user, limit: int = 200, before: dt.datetime | None = None) -> list[HistoryDay]:
    """Return the user's latest listens grouped by day in their time zone (1 query)."""
    listens = Listen.objects.filter(user=user).select_related("track__album__artist", "track__artist")
    if before is not None:
        listens = listens.filter(listened_at__lt=before)
    zone = _zone(user)
    rows = list(listens.order_by("-listened_at", "-pk")[:limit])
    return [
        HistoryDay(day=day, listens=list(group))
        for day, group in itertools.groupby(
            rows, key=lambda listen: listen.listened_at.astimezone(zone).date()
        )
    ]


def now_playing(*, user) -> NowPlaying | None:
    """Return what the user is playing now, if it has not expired."""
    return (
        NowPlaying.objects.select_related("track__album", "track__artist")
        .filter(user=user, expires_at__gt=timezone.now())
        .first()
    )


def _zone(user) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def visible_playlists_filter(user) -> Q:
    """Return the filter of playlists a user may see: public, own, collaborative, or all for staff."""
    if user.is_staff:
        return Q()
    return Q(is_public=True) | Q(owner=user) | Q(collaborator_links__user=user)


def playlist_get_visible(*, user, uid) -> Playlist:
    """Return a playlist the user may see, or raise Http404 (private ones are a 404 for others)."""
    playlist = (
        Playlist.objects.select_related("owner")
        .filter(visible_playlists_filter(user), uid=uid)
        .distinct()
        .first()
    )
    if playlist is None:
        raise Http404("No such playlist.")
    return playlist


def user_playlists(*, user) -> QuerySet[Playlist]:
    """Return the playlists a user owns or collaborates on, with their track counts."""
    return (
        Playlist.objects.filter(Q(owner=user) | Q(collaborator_links__user=user), kind=Playlist.Kind.USER)
        .select_related("owner")
        .annotate(track_count=Count("items", distinct=True))
        .distinct()
        .order_by("-updated_at")
    )


@dataclass(frozen=True)
class PlaylistPage:
    playlist: Playlist
    items: list  # PlaylistTrack rows with track, album, artist loaded
    collaborators: list
    can_edit: bool
    is_owner: bool
    track_count: int
    duration_ms: int
    mosaic: list[str]  # up to 4 distinct cover names for the automatic cover


def playlist_page(*, user, uid) -> PlaylistPage:
    """Return a playlist the user may see with its entries and cover mosaic (4 queries)."""
    playlist = playlist_get_visible(user=user, uid=uid)
    items = list(
        playlist.items.select_related("track__album__artist", "track__artist", "added_by").order_by(
            "position", "id"
        )
    )
    collaborators = [link.user for link in playlist.collaborator_links.select_related("user")]
    is_owner = playlist.owner_id == user.pk
    can_edit = playlist.kind == Playlist.Kind.USER and (
        is_owner or any(c.pk == user.pk for c in collaborators)
    )
    covers: list[str] = []
    for item in items:
        name = item.track.album.cover.name
        if name and name not in covers:
            covers.append(name)
        if len(covers) == 4:
            break
    return PlaylistPage(
        playlist=playlist,
        items=items,
        collaborators=collaborators,
        can_edit=can_edit,
        is_owner=is_owner,
        track_count=len(items),
        duration_ms=sum(item.track.duration_ms for item in items),
        mosaic=covers,
    )


def playlist_export_rows(*, playlist: Playlist) -> list[Track]:
    """Return the playlist's tracks in order, for M3U8 / XSPF export."""
    return [
        item.track
        for item in playlist.items.select_related("track__album", "track__artist").order_by("position", "id")
    ]
