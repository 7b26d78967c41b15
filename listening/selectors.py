"""Reads for listening: the saved player state, likes, history and playlists a user may see."""

import abc
import copy
import datetime as dt
import itertools
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.models import Album, Artist, Track

from . import packed, transcoder
from .models import (
    AlbumLike,
    ArtistLike,
    ContextType,
    Listen,
    NowPlaying,
    Play,
    PlayerState,
    Playlist,
    PlaylistTrack,
    TrackLike,
    TranscodeDay,
    TranscodeFailure,
)


@dataclass(frozen=True)
class PlayerStateView:
    state: PlayerState
    tracks: list[Track]  # in queue order; ids no longer in the catalog are left out


def player_state_get(*, user) -> PlayerStateView:
    """Return the user's saved queue with its tracks loaded (2 queries)."""
    state = PlayerState.objects.filter(user=user).first() or PlayerState(user=user, updated_at=None)
    by_id = Track.objects.with_related().in_bulk(set(state.queue))
    return PlayerStateView(state=state, tracks=[by_id[pk] for pk in state.queue if pk in by_id])


_LIKE_MODELS = {
    "track": (TrackLike, "track_id"),
    "album": (AlbumLike, "album_id"),
    "artist": (ArtistLike, "artist_id"),
}


def liked_id_set(*, user, kind: str) -> set[int]:
    """Return the ids of every track, album or artist the user likes (1 query; pages cache it)."""
    if not user.is_authenticated:
        return set()
    model, field = _LIKE_MODELS[kind]
    return set(model.objects.filter(user=user).values_list(field, flat=True))


# Every page with like buttons needs the listener's liked ids: kept in the cache per listener, forgotten
# by the like services (likes_forget) on every change, and expiring after STREAMAPP_LIBRARY_SECONDS.
LIKES_CACHE_KEY = "listening:likes:v1:{user_id}"


def _liked_id_sets_query(*, user) -> dict[str, set[int]]:
    sets: dict[str, set[int]] = {kind: set() for kind in _LIKE_MODELS}
    parts = [
        model.objects.filter(user=user).annotate(kind=Value(kind)).values_list("kind", field)
        for kind, (model, field) in _LIKE_MODELS.items()
    ]
    for kind, pk in parts[0].union(*parts[1:], all=True):
        sets[kind].add(pk)
    return sets


def liked_id_sets(*, user) -> dict[str, set[int]]:
    """Return the ids of everything the user likes by kind: {"track": {...}, "album": ..., "artist": ...}.

    From the cache, else one query (a UNION of the three like tables). Anonymous users like nothing.
    """
    if not user.is_authenticated:
        return {kind: set() for kind in _LIKE_MODELS}
    key = LIKES_CACHE_KEY.format(user_id=user.pk)
    sets = cache.get(key)
    if sets is None:
        sets = _liked_id_sets_query(user=user)
        cache.set(key, sets, timeout=settings.STREAMAPP_LIBRARY_SECONDS)
    return sets


# A listener's own pages (the home page's shelves, recently played) are kept as HTML under a version
# of what they did: listener_changed() replaces it on every new play or listen, history import and
# linked listen, and recommend calls it when it rebuilds their recommendations or takes their feedback.
LISTENER_VERSION_KEY = "listening:listener-version:v1:{user_id}"


def listener_version(*, user_id: int) -> str:
    """Return the version of a listener's plays, listens and recommendations (see listener_changed)."""
    return catalog_selectors.cache_version(LISTENER_VERSION_KEY.format(user_id=user_id))


def listener_changed(*, user_ids: Iterable[int]) -> None:
    """Make the kept pages of these listeners stale, now and once the current transaction commits.

    Call it after any change to their plays, listens, recommendations, mixes or taste picks.
    """
    catalog_selectors.replace_cache_version(
        *(LISTENER_VERSION_KEY.format(user_id=user_id) for user_id in set(user_ids))
    )


def _forget_now_and_on_commit(keys: list[str]) -> None:
    # Now, so that the rest of this transaction reads its own change; again once it commits, in case
    # another request cached the old rows in between.
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def likes_forget(*, user_id: int) -> None:
    """Forget a user's cached liked ids (and times), now and once the current transaction commits."""
    _forget_now_and_on_commit(
        [LIKES_CACHE_KEY.format(user_id=user_id), LIKED_TIMES_CACHE_KEY.format(user_id=user_id)]
    )


# When the listener liked each thing (the Subsonic API's `starred` dates), kept as the liked ids are.
LIKED_TIMES_CACHE_KEY = "listening:liked-times:v1:{user_id}"


def liked_times(*, user) -> dict[str, dict[int, dt.datetime]]:
    """Return when the user liked each track, album and artist, by kind: {"track": {id: time}, ...}.

    From the cache, else one query (a UNION of the three like tables); forgotten with the liked ids.
    """
    key = LIKED_TIMES_CACHE_KEY.format(user_id=user.pk)
    times = cache.get(key)
    if times is None:
        times = {kind: {} for kind in _LIKE_MODELS}
        parts = [
            model.objects.filter(user=user)
            .annotate(kind=Value(kind))
            .values_list("kind", field, "created_at")
            for kind, (model, field) in _LIKE_MODELS.items()
        ]
        for kind, pk, created_at in parts[0].union(*parts[1:], all=True):
            times[kind][pk] = created_at
        cache.set(key, times, timeout=settings.STREAMAPP_LIBRARY_SECONDS)
    return times


def liked_ids(*, user, kind: str, ids: Iterable[int]) -> set[int]:
    """Return which of the given track, album or artist ids the user likes (1 query)."""
    if not user.is_authenticated:
        return set()
    model, field = _LIKE_MODELS[kind]
    return set(model.objects.filter(user=user, **{f"{field}__in": list(ids)}).values_list(field, flat=True))


def liked_tracks(*, user) -> QuerySet[Track]:
    """Return the user's liked tracks, most recently liked first."""
    return Track.objects.with_related().filter(likes__user=user).order_by("-likes__created_at", "-pk")


@dataclass(frozen=True)
class HistoryDay:
    day: dt.date
    listens: list[Listen]


# What a history row shows (listening/templatetags/tracklists.py): loading only these columns, and not
# the album's artist, keeps a page of listens cheap to turn into objects.
_HISTORY_FIELDS = (
    "listened_at", "track_name", "artist_name", "release_name", "track__title", "track__album_id",
    "track__artist_id", "track__track_number", "track__duration_ms", "track__is_available",
    "track__album__title", "track__album__cover", "track__artist__name",
)  # fmt: skip


def recently_played(*, user, limit: int = 200, before: dt.datetime | None = None) -> list[HistoryDay]:
    """Return the user's latest listens grouped by day in their time zone (1 query).

    Each listen has its track, the track's album and artist loaded with what a history row shows;
    the (user, -listened_at) index serves the page, and `before` pages back from a time.
    """
    listens = (
        Listen.objects.filter(user=user)
        .select_related("track__album", "track__artist")
        .only(*_HISTORY_FIELDS)
    )
    if before is not None:
        listens = listens.filter(listened_at__lt=before)
    zone = user_zone(user)
    rows = list(listens.order_by("-listened_at", "-pk")[:limit])
    return [
        HistoryDay(day=day, listens=list(group))
        for day, group in itertools.groupby(
            rows, key=lambda listen: listen.listened_at.astimezone(zone).date()
        )
    ]


def now_playing(*, user, now: dt.datetime | None = None) -> NowPlaying | None:
    """Return what the user is playing now, if it has not expired, with its track (1 query; 2 if any).

    The entry first, alone: most of the time there is none, and a query joining the track, its
    album and artist costs some ten times more to build and plan than one that finds nothing.
    """
    playing = NowPlaying.objects.filter(user=user, expires_at__gt=now or timezone.now()).first()
    if playing is not None and playing.track_id is not None:
        tracks = Track.objects.select_related("album", "artist", "audio_file")
        playing.track = tracks.filter(pk=playing.track_id).first()
    return playing


def now_playing_kept(*, user) -> NowPlaying | None:
    """Return now_playing() through the cache: for the history page, on every view.

    Kept under the listener's version (a new play, its end and a playing-now submission replace
    it) until the entry expires. The APIs read now_playing() itself.
    """
    key = f"listening:now-playing:v1:{user.pk}:{listener_version(user_id=user.pk)}"
    now = timezone.now()
    kept = cache.get(key)
    if kept is not None and (kept[0] is None or kept[0].expires_at > now):
        return kept[0]
    playing = now_playing(user=user, now=now)
    seconds = settings.STREAMAPP_LIBRARY_SECONDS
    if playing is not None:  # reports move expires_at on: read it again once the kept one passes
        seconds = min(seconds, max(1, int((playing.expires_at - now).total_seconds())))
    cache.set(key, (playing,), timeout=seconds)
    return playing


def user_zone(user) -> dt.tzinfo:
    """Return the user's time zone (UTC when it is unset or unknown)."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def visible_playlists_filter(user) -> Q:
    """Return the filter of playlists a user may see: public, own, collaborative, or all for staff."""
    if user.is_staff:
        return Q()
    return Q(is_public=True) | Q(owner=user) | Q(collaborator_links__user=user)


def _may_see(user, playlist: Playlist, *, is_member: bool) -> bool:
    """visible_playlists_filter's rule for one playlist already loaded with its collaborators."""
    return user.is_staff or playlist.is_public or is_member


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
    """Return the playlists a user owns or collaborates on, with their track counts.

    User playlists only (the listener's generated ones are recommend's user_mixes): their entries
    are PlaylistTrack rows, counted in the same query.
    """
    return (
        Playlist.objects.filter(Q(owner=user) | Q(collaborator_links__user=user), kind=Playlist.Kind.USER)
        .select_related("owner")
        .annotate(track_count=Count("items", distinct=True))
        .distinct()
        .order_by("-updated_at")
    )


@dataclass(frozen=True)
class PlaylistAccess:
    playlist: Playlist
    collaborators: list
    can_edit: bool
    is_owner: bool
    is_member: bool  # the owner or a collaborator
    version: str  # of the playlist and, for a generated one, of its owner (see PLAYLIST_VERSION_KEY)


@dataclass(frozen=True)
class PlaylistEntries:
    items: list  # PlaylistTrack rows or PackedEntry with track, album, artist loaded (playlist_items)
    track_count: int
    duration_ms: int
    mosaic: list[str]  # up to 4 distinct cover names for the automatic cover


# A playlist's page reads the playlist and its collaborators from the cache, under a version of the
# playlist that the playlist services replace on every change (playlist_changed); a generated playlist
# is checked against its owner's listener version too (the nightly generation and thumbs-downs).
PLAYLIST_VERSION_KEY = "listening:playlist-version:v1:{uid}"


def playlist_changed(*, uids: Iterable) -> None:
    """Make the cached reads of these playlists (by uid) stale, now and once the transaction commits."""
    catalog_selectors.replace_cache_version(*(PLAYLIST_VERSION_KEY.format(uid=uid) for uid in set(uids)))


def _playlist_with_collaborators(uid) -> tuple[Playlist | None, list, str]:
    """Return (playlist, collaborators, version) from the cache, else with 2 queries."""
    version = catalog_selectors.cache_version(PLAYLIST_VERSION_KEY.format(uid=uid))
    key = f"listening:playlist:v1:{uid}:{version}"
    entry = cache.get(key)
    if entry is not None:
        playlist, collaborators, owner_version = entry
        # A generated playlist is rewritten by the nightly run, outside the playlist services.
        generated = playlist.kind != Playlist.Kind.USER
        if not generated or owner_version == listener_version(user_id=playlist.owner_id):
            return playlist, collaborators, f"{version}:{owner_version}"
    # Two plain queries cost less than playlist_get_visible's join of the collaborators.
    playlist = Playlist.objects.select_related("owner").filter(uid=uid).first()
    if playlist is None:
        return None, [], ""
    collaborators = [link.user for link in playlist.collaborator_links.select_related("user")]
    generated = playlist.kind != Playlist.Kind.USER
    owner_version = listener_version(user_id=playlist.owner_id) if generated else ""
    cache.set(key, (playlist, collaborators, owner_version), timeout=settings.STREAMAPP_LIBRARY_SECONDS)
    return playlist, collaborators, f"{version}:{owner_version}"


def playlist_access(*, user, uid) -> PlaylistAccess:
    """Return a playlist the user may see, its collaborators and what the user may do.

    From the cache (see PLAYLIST_VERSION_KEY), else 2 queries. Raise Http404 for a playlist the
    user may not see (as playlist_get_visible).
    """
    playlist, collaborators, version = _playlist_with_collaborators(uid)
    if playlist is None:
        raise Http404("No such playlist.")
    is_owner = playlist.owner_id == user.pk
    is_member = is_owner or any(c.pk == user.pk for c in collaborators)
    if not _may_see(user, playlist, is_member=is_member):
        raise Http404("No such playlist.")
    return PlaylistAccess(
        playlist=playlist,
        collaborators=collaborators,
        can_edit=playlist.kind == Playlist.Kind.USER and is_member,
        is_owner=is_owner,
        is_member=is_member,
        version=version,
    )


# ------------------------------------------------------------------------------ a playlist's entries
# What the API, the page and the tracklist rows show of an entry's track.
ENTRY_TRACK_RELATED = ("album__artist", "artist", "audio_file")


@dataclass(frozen=True)
class PackedEntry:
    """An entry of a generated playlist (packed on its row), shaped as a PlaylistTrack row for the
    templates and serializers: its item id is its position + 1 (generated playlists are not edited
    entry by entry), nobody added it, and it was added when the playlist was written."""

    pk: int
    position: int
    track: Track
    note: str
    added_at: dt.datetime
    added_by: None = None

    @property
    def track_id(self) -> int:
        return self.track.pk


class PlaylistItems(abc.ABC):
    """A playlist's entries in order, whatever their storage (see playlist_items).

    Reads a page when sliced (``items[50:100]``: a list), all of them when iterated, their number
    with ``count()`` (so Django's and DRF's paginators take it; no ``len()``, which ``list()`` would
    call first: a query more). ``tracks()`` and ``track_ids()`` read just the tracks, in the
    entries' order (duplicates kept). An entry is a PlaylistTrack row or a PackedEntry shaped as one.
    """

    ordered = True  # for Paginator's check

    def __init__(self, playlist: Playlist):
        self.playlist = playlist

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._slice(index)
        if index < 0:
            raise IndexError("negative indexing is not supported")
        found = self._slice(slice(index, index + 1))
        if not found:
            raise IndexError("playlist entry index out of range")
        return found[0]

    @abc.abstractmethod
    def count(self) -> int:
        """The entries' number."""

    @abc.abstractmethod
    def _slice(self, bounds: slice) -> list:
        """The entries in these bounds of the list (a list)."""

    @abc.abstractmethod
    def __iter__(self):
        """Every entry, in order."""

    @abc.abstractmethod
    def tracks(self, *, queryset: QuerySet[Track] | None = None, limit: int | None = None) -> list[Track]:
        """Return the entries' tracks in order (at most `limit`), read through `queryset` (by default
        with what a tracklist shows): those it filters out are left out (1 query)."""

    @abc.abstractmethod
    def track_ids(self, *, available: bool = False, limit: int | None = None) -> list[int]:
        """Return the entries' track ids in order (only available tracks' when `available`; 1 query)."""

    @abc.abstractmethod
    def item_ids(self) -> list[int]:
        """Return the entries' item ids in order (what the editing services take; 1 query at most)."""


class _RowItems(PlaylistItems):
    """A user playlist's entries: its PlaylistTrack rows."""

    def __init__(self, playlist: Playlist):
        super().__init__(playlist)
        related = [f"track__{name}" for name in ENTRY_TRACK_RELATED]
        self._rows = playlist.items.select_related(*related, "added_by").order_by("position", "id")

    def count(self) -> int:
        return self._rows.count()

    def _slice(self, bounds: slice) -> list:
        return list(self._rows[bounds])

    def __iter__(self):
        return iter(self._rows)

    def _tracks_in_order(self, queryset: QuerySet[Track]) -> QuerySet[Track]:
        # One row per entry through the join, so duplicates stay and the order is the entries'.
        return queryset.filter(playlist_items__playlist=self.playlist).order_by(
            "playlist_items__position", "playlist_items__id"
        )

    def tracks(self, *, queryset=None, limit=None) -> list[Track]:
        tracks = self._tracks_in_order(queryset if queryset is not None else _entry_tracks())
        return list(tracks[:limit] if limit is not None else tracks)

    def track_ids(self, *, available=False, limit=None) -> list[int]:
        rows = self.playlist.items.filter(track__is_available=True) if available else self.playlist.items
        ids = rows.order_by("position", "id").values_list("track_id", flat=True)
        return list(ids[:limit] if limit is not None else ids)

    def item_ids(self) -> list[int]:
        return list(self.playlist.items.order_by("position", "id").values_list("pk", flat=True))


class _PackedItems(PlaylistItems):
    """A generated playlist's entries, packed on its row. Entries whose track has left the catalog
    since the playlist was written are skipped (their rows used to cascade away)."""

    def __init__(self, playlist: Playlist):
        super().__init__(playlist)
        self._entries = packed.unpack_entries(playlist.entries, playlist.entry_notes)
        self._present: list[int] | None = None  # positions of the entries whose track still exists

    def _ids(self, positions: Iterable[int]) -> set[int]:
        return {self._entries[position][0] for position in positions}

    def _positions(self) -> list[int]:
        if self._present is None:
            ids = self._ids(range(len(self._entries)))
            # No ordering here or below: Track's default one joins the album for nothing.
            found = Track.objects.filter(pk__in=ids).order_by().values_list("pk", flat=True) if ids else []
            found = set(found)
            self._present = [p for p, (track_id, _) in enumerate(self._entries) if track_id in found]
        return self._present

    def count(self) -> int:
        return len(self._positions())

    def _load(self, positions: list[int]) -> list[PackedEntry]:
        ids = self._ids(positions)
        by_id = {track.pk: track for track in _entry_tracks().filter(pk__in=ids).order_by()} if ids else {}
        out, seen = [], set()
        stamp = self.playlist.updated_at
        for position in positions:
            track_id, note = self._entries[position]
            track = by_id.get(track_id)
            if track is None:
                continue
            if track_id in seen:  # a duplicate gets its own object: rows set a reason on their track
                track = copy.copy(track)
            seen.add(track_id)
            entry = PackedEntry(pk=position + 1, position=position, track=track, note=note, added_at=stamp)
            out.append(entry)
        return out

    def _slice(self, bounds: slice) -> list[PackedEntry]:
        return self._load(self._positions()[bounds])

    def __iter__(self):
        entries = self._load(list(range(len(self._entries))))
        self._present = [entry.position for entry in entries]
        return iter(entries)

    def _in_order(self, found: Iterable[int], limit: int | None) -> list[int]:
        found = set(found)
        ids = [track_id for track_id, _ in self._entries if track_id in found]
        return ids[:limit] if limit is not None else ids

    def tracks(self, *, queryset=None, limit=None) -> list[Track]:
        ids = self._ids(range(len(self._entries)))
        if not ids:
            return []
        queryset = queryset if queryset is not None else _entry_tracks()
        by_id = {track.pk: track for track in queryset.filter(pk__in=ids).order_by()}
        return [by_id[track_id] for track_id in self._in_order(by_id, limit)]

    def track_ids(self, *, available=False, limit=None) -> list[int]:
        ids = self._ids(range(len(self._entries)))
        if not ids:
            return []
        tracks = Track.objects.filter(pk__in=ids).order_by()
        if available:
            tracks = tracks.filter(is_available=True)
        return self._in_order(tracks.values_list("pk", flat=True), limit)

    def item_ids(self) -> list[int]:
        return [position + 1 for position in self._positions()]


def _entry_tracks() -> QuerySet[Track]:
    return Track.objects.select_related(*ENTRY_TRACK_RELATED)


def playlist_items(*, playlist: Playlist) -> PlaylistItems:
    """Return a playlist's entries in order, whatever their storage, with what the API and the page
    show of each (track, album, artist, audio file, who added it): slice it to read a page.

    A constant number of queries: a page of a user playlist is 1 (its count another); a generated
    one's is 2 (which of its tracks still exist, once, then the page's tracks).
    """
    return _PackedItems(playlist) if playlist.is_packed else _RowItems(playlist)


def playlist_entries(*, playlist: Playlist) -> PlaylistEntries:
    """Return a playlist's entries in order, their count and length, and its cover mosaic (1 query)."""
    items = list(playlist_items(playlist=playlist))
    covers: list[str] = []
    for item in items:
        name = item.track.album.cover.name
        if name and name not in covers:
            covers.append(name)
        if len(covers) == 4:
            break
    return PlaylistEntries(
        items=items,
        track_count=len(items),
        duration_ms=sum(item.track.duration_ms for item in items),
        mosaic=covers,
    )


def playlist_export_rows(*, playlist: Playlist) -> list[Track]:
    """Return the playlist's tracks in order, for M3U8 / XSPF export (1 query)."""
    return playlist_items(playlist=playlist).tracks(queryset=Track.objects.select_related("album", "artist"))


@dataclass(frozen=True)
class PlaylistSummary:
    track_count: int
    duration_ms: int
    mosaic: list[str]  # up to 4 distinct cover names, from the first entries (when asked for)
    cover_album_id: int | None  # the highest album id among the entries' (a stable pick)


MOSAIC_SCAN = 40  # entries looked at for a mosaic's covers


def playlist_summaries(
    *, playlists: Iterable[Playlist], mosaics: bool = True, totals: bool = True
) -> dict[int, PlaylistSummary]:
    """Return each playlist's entry count, length, mosaic and a cover album, by playlist id.

    Whatever their storage, in at most 3 queries: over the user playlists' rows one for the totals
    and one for the mosaics (each only when asked for: the other fields are then 0 / empty), and one
    over the tracks of the generated ones (everything).
    """
    playlists = list(playlists)
    summaries = _packed_summaries([playlist for playlist in playlists if playlist.is_packed])
    rows = [playlist.pk for playlist in playlists if not playlist.is_packed]
    sums = (
        PlaylistTrack.objects.filter(playlist_id__in=rows)
        .values("playlist_id")
        .annotate(duration=Sum("track__duration_ms"), count=Count("pk"), cover=Max("track__album_id"))
        if rows and totals
        else []
    )
    by_playlist = {row["playlist_id"]: row for row in sums}
    covers = _row_mosaics(rows) if rows and mosaics else {}
    for pk in rows:
        row = by_playlist.get(pk, {})
        summaries[pk] = PlaylistSummary(
            track_count=row.get("count", 0),
            duration_ms=row.get("duration") or 0,
            mosaic=covers.get(pk, []),
            cover_album_id=row.get("cover"),
        )
    return summaries


def _packed_summaries(playlists: list[Playlist]) -> dict[int, PlaylistSummary]:
    entries = {p.pk: packed.unpack_entries(p.entries, p.entry_notes) for p in playlists}
    ids = {track_id for rows in entries.values() for track_id, _ in rows}
    tracks = {
        pk: (duration, album_id, cover)
        for pk, duration, album_id, cover in Track.objects.filter(pk__in=ids).order_by().values_list(
            "pk", "duration_ms", "album_id", "album__cover"
        )
    } if ids else {}
    summaries = {}
    for pk, rows in entries.items():
        found = [tracks[track_id] for track_id, _ in rows if track_id in tracks]
        covers: list[str] = []
        for cover in [cover for _, _, cover in found if cover][:MOSAIC_SCAN]:
            if cover not in covers and len(covers) < 4:
                covers.append(cover)
        summaries[pk] = PlaylistSummary(
            track_count=len(found),
            duration_ms=sum(duration for duration, _, _ in found),
            mosaic=covers,
            cover_album_id=max((album_id for _, album_id, _ in found), default=None),
        )
    return summaries


# ------------------------------------------------------------------------------ the player's contexts
PLAYER_CONTEXT_MAX_IDS = 500
ARTIST_QUEUE_LENGTH = 50
PLAYER_QUEUE_MAX = settings.STREAMAPP_QUEUE_MAX_LENGTH


def _player_tracks() -> QuerySet[Track]:
    # What TrackSerializer reads, without the genres prefetch with_related() adds.
    return Track.objects.playable().select_related("album__artist", "artist", "audio_file")


def player_context_tracks(
    *, user, context_type: str, context_id: str = "", track_ids: Iterable[int] = ()
) -> list[Track]:
    """Return the playable tracks a play button queues, in play order (at most 3 queries).

    album: its tracklist; artist: their top tracks; playlist / generated: its entries (Http404 when
    the user may not see it); likes: the user's liked songs; anything else: track_ids in the given
    order. Raise Http404 for an unknown album, artist or playlist.
    """
    if context_type == ContextType.ALBUM:
        if not Album.objects.filter(pk=_int_or_404(context_id)).exists():
            raise Http404("No such album.")
        return list(
            _player_tracks()
            .filter(album_id=int(context_id))
            .order_by("disc_number", F("track_number").asc(nulls_last=True), "title", "pk")
        )
    if context_type == ContextType.ARTIST:
        artist = Artist.objects.filter(pk=_int_or_404(context_id)).first()
        if artist is None:
            raise Http404("No such artist.")
        return catalog_selectors.artist_top_tracks(artist=artist, limit=ARTIST_QUEUE_LENGTH)
    if context_type in (ContextType.PLAYLIST, ContextType.GENERATED):
        playlist = playlist_get_visible(user=user, uid=_uuid_or_404(context_id))
        return playlist_items(playlist=playlist).tracks(
            queryset=_entry_tracks().filter(is_available=True), limit=PLAYER_QUEUE_MAX
        )
    if context_type == ContextType.LIKES:
        return list(
            _player_tracks().filter(likes__user=user).order_by("-likes__created_at", "-pk")[:PLAYER_QUEUE_MAX]
        )
    wanted = list(track_ids)[:PLAYER_CONTEXT_MAX_IDS]
    by_id = _player_tracks().in_bulk(set(wanted))
    return [by_id[pk] for pk in wanted if pk in by_id]


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("Not found.") from None


# ------------------------------------------------------------------------------ library and history
def recently_played_albums(*, user, limit: int = 12, scan: int = 300) -> list[Album]:
    """Return the albums the user played last, most recent first (3 queries).

    Both plays in the player (even skipped ones: what was just started belongs here) and listens
    (scrobbled from elsewhere) count; only the latest `scan` of each are looked at.
    """
    plays = (
        Play.objects.filter(user=user).order_by("-started_at").values_list("track__album_id", "started_at")
    )
    listens = (
        Listen.objects.filter(user=user, track__isnull=False)
        .order_by("-listened_at")
        .values_list("track__album_id", "listened_at")
    )
    recent = sorted([*plays[:scan], *listens[:scan]], key=lambda row: row[1], reverse=True)
    album_ids: list[int] = []
    for album_id, _when in recent:
        if album_id not in album_ids:
            album_ids.append(album_id)
            if len(album_ids) == limit:
                break
    by_id = Album.objects.select_related("artist").in_bulk(album_ids)
    return [by_id[pk] for pk in album_ids if pk in by_id]


# The sidebar's library is on every page. It changes only through the playlist services, which forget
# it (library_forget) for everyone whose sidebar shows the playlist; it expires anyway after
# STREAMAPP_LIBRARY_SECONDS (a cover that changed with a library import, an owner renamed).
LIBRARY_CACHE_KEY = "listening:library:v1:{user_id}:{limit}"
# The sidebar's HTML (listening.pages.sidebar_part), kept and forgotten with the library.
SIDEBAR_CACHE_KEY = "listening:sidebar:v1:{user_id}"
LIBRARY_LIMIT = 100


def _library_playlists_query(*, user, limit: int) -> list[Playlist]:
    # User playlists only: their entries are PlaylistTrack rows (generated ones are on the home page).
    first_cover = (
        PlaylistTrack.objects.filter(playlist=OuterRef("pk"))
        .exclude(track__album__cover="")
        .order_by("position", "id")
        .values("track__album__cover")[:1]
    )
    playlists = (
        Playlist.objects.filter(Q(owner=user) | Q(collaborator_links__user=user), kind=Playlist.Kind.USER)
        .select_related("owner")
        .annotate(cover_name=Subquery(first_cover))
        .distinct()
        .order_by("-updated_at", "-pk")
    )
    return list(playlists[:limit])


def library_playlists(*, user, limit: int = LIBRARY_LIMIT) -> list[Playlist]:
    """Return the playlists in a user's library (own and collaborative) with a `cover_name`.

    Newest change first. From the cache when it holds them (0 queries), else 1 query.
    """
    key = LIBRARY_CACHE_KEY.format(user_id=user.pk, limit=limit)
    playlists = cache.get(key)
    if playlists is None:
        playlists = _library_playlists_query(user=user, limit=limit)
        cache.set(key, playlists, timeout=settings.STREAMAPP_LIBRARY_SECONDS)
    return playlists


def library_forget(*, user_ids: Iterable[int]) -> None:
    """Forget the cached library of these users, now and once the current transaction commits.

    Call it after any change to a user playlist (its name, entries, order, collaborators) for its
    owner and collaborators, and for a user who gains or loses a playlist.
    """
    keys = [
        key.format(user_id=user_id, limit=LIBRARY_LIMIT)
        for user_id in set(user_ids)
        for key in (LIBRARY_CACHE_KEY, SIDEBAR_CACHE_KEY)
    ]
    _forget_now_and_on_commit(keys)


def _row_mosaics(playlist_ids: Iterable[int], scan: int = MOSAIC_SCAN) -> dict[int, list[str]]:
    """Return up to 4 distinct cover names per user playlist, from its first `scan` entries (1 query)."""
    rows = (
        PlaylistTrack.objects.filter(playlist_id__in=list(playlist_ids))
        .exclude(track__album__cover="")
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("playlist_id")], order_by=[F("position"), F("id")])
        )
        .filter(rank__lte=scan)
        .order_by("playlist_id", "rank")
        .values_list("playlist_id", "track__album__cover")
    )
    mosaics: dict[int, list[str]] = {}
    for playlist_id, cover in rows:
        covers = mosaics.setdefault(playlist_id, [])
        if cover not in covers and len(covers) < 4:
            covers.append(cover)
    return mosaics


# ------------------------------------------------------------------------------ transcodes


@dataclass(frozen=True)
class TranscodeCacheOverview:
    days: list[TranscodeDay]  # oldest first; days without a transcoded stream are absent
    cache_bytes: int  # the finished transcodes on disk now
    cache_files: int
    hit_ratio: float | None  # cache hits over transcoded answers in the days shown, None without any


def transcode_cache_overview(*, date_range: tuple[dt.date, dt.date] | None) -> TranscodeCacheOverview:
    """Return the transcode counters of each day in `date_range` (both ends included; None: every day)
    and the cache's size on disk now (1 query, and a walk of the cache directory)."""
    rows = TranscodeDay.objects.order_by("day")
    if date_range is not None:
        rows = rows.filter(day__range=date_range)
    days = list(rows)
    answered = sum(day.requests for day in days)
    size = transcoder.cache_size()
    return TranscodeCacheOverview(
        days=days,
        cache_bytes=size.bytes,
        cache_files=size.files,
        hit_ratio=sum(day.cache_hits for day in days) / answered if answered else None,
    )


def transcode_failures_recent(*, limit: int = 20) -> list[TranscodeFailure]:
    """Return the files ffmpeg failed to transcode, the latest failure first, with their track (1 query)."""
    rows = TranscodeFailure.objects.select_related("audio_file", "track", "track__artist")
    return list(rows.order_by("-last_at")[:limit])
