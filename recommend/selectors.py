"""Reads of recommendations: a listener's recommended tracks and mixes, similar tracks and artists.

Every selector runs a fixed, small number of indexed queries (a track's or an artist's neighbours
and a listener's recommendations are one row each, read by primary key, their ranked lists packed in
a binary column: see ``recommend.packed``), so the pages and API answers that use them stay within
their query budgets and under 20 ms on a 200,000-track catalog.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.expressions import RawSQL

from catalog import selectors as catalog_selectors
from catalog.models import Album, Artist, Genre, Track
from listening import selectors as listening_selectors
from listening.models import Listen, Playlist

from . import packed
from .models import RecommendationList, SimilarArtistList, SimilarTrackList, TastePick, TrackDislike

SIMILAR_LIMIT = 10
SIMILAR_ARTIST_LIMIT = 12
# How many same-genre tracks (or artists' tracks) the content fallback looks at: bounds its cost.
FALLBACK_SCAN = 150
# Listens counted per candidate in the content fallback: ranks by popularity at a bounded cost.
POPULARITY_CAP = 25
FALLBACK_PER_ARTIST = 2
NEIGHBOURS_PER_ARTIST = 3
NEIGHBOUR_SCAN_FACTOR = 3
PICKER_CACHE_SECONDS = 600
MIX_KINDS = (Playlist.Kind.DISCOVER, Playlist.Kind.DAILY_MIX)


def _tracks() -> QuerySet[Track]:
    """Playable tracks with what a track row and TrackSerializer read."""
    return Track.objects.playable().select_related("album__artist", "artist", "audio_file")


def _artist_picture(artist_ref: str) -> Subquery:
    """Return the cover of the newest album with one of the artist at `artist_ref` (artists have no photo)."""
    covers = (
        Album.objects.filter(artist=OuterRef(artist_ref))
        .exclude(cover="")
        .order_by(F("release_year").desc(nulls_last=True), "-created_at", "-pk")
    )
    return Subquery(covers.values("cover")[:1])


def _cap_per_artist(tracks: Iterable[Track], *, per_artist: int, limit: int) -> list[Track]:
    """Keep tracks in order, at most `per_artist` by one artist, up to `limit`."""
    kept: list[Track] = []
    per: dict[int, int] = {}
    for track in tracks:
        if per.get(track.artist_id, 0) >= per_artist:
            continue
        per[track.artist_id] = per.get(track.artist_id, 0) + 1
        kept.append(track)
        if len(kept) == limit:
            break
    return kept


# ------------------------------------------------------------------------------ similar items
@dataclass(frozen=True)
class Similar:
    """Similar items and where they came from: "neighbours" (the nightly run) or "content" (fallback)."""

    items: list
    source: str


# The nightly run rewrites every item neighbour at once (services.training.write_neighbours) and then
# replaces this version: similar tracks and artists are cached under it and the catalog version.
NEIGHBOURS_VERSION_KEY = "recommend:neighbours:version"


def neighbours_changed() -> None:
    """Make the cached similar tracks and artists stale (now and on commit): the neighbours changed."""
    catalog_selectors.replace_cache_version(NEIGHBOURS_VERSION_KEY)


def _similar_cached(name: str, build) -> Similar:
    version = catalog_selectors.cache_version(NEIGHBOURS_VERSION_KEY)
    return catalog_selectors.cached_read(f"{name}:{version}", build)


def similar_tracks(*, track: Track, limit: int = SIMILAR_LIMIT) -> Similar:
    """Return the tracks most like `track`, best first (cached; else 2 queries, 5 on the content fallback).

    The nightly run's neighbours when it has written some for this track (no more than three by one
    artist while others are left); else (a new catalog, or a track newer than the last run) playable
    tracks sharing its genres (or its artist, if it has no genre), most listened first, at most two
    per artist.
    """
    return _similar_cached(
        f"similar-tracks:v1:{track.pk}:{limit}", lambda: _similar_tracks(track=track, limit=limit)
    )


def _similar_tracks(*, track: Track, limit: int) -> Similar:
    items = SimilarTrackList.objects.filter(track_id=track.pk).values_list("items", flat=True).first()
    ids = [pk for pk, _score in packed.neighbours(items)][: limit * NEIGHBOUR_SCAN_FACTOR]
    by_id = (
        Track.objects.filter(is_available=True)
        .select_related("album__artist", "artist", "audio_file")
        .in_bulk(ids)
        if ids
        else {}
    )
    # A few per artist, so that one prolific artist does not fill the list.
    ranked = [by_id[pk] for pk in ids if pk in by_id]
    neighbours = _cap_per_artist(ranked, per_artist=NEIGHBOURS_PER_ARTIST, limit=limit)
    if len(neighbours) < limit:
        kept = {t.pk for t in neighbours}
        extra = [t for t in ranked if t.pk not in kept][: limit - len(neighbours)]
        neighbours = sorted(neighbours + extra, key=ranked.index)
    if neighbours:
        return Similar(items=neighbours, source="neighbours")
    return Similar(items=_content_similar_tracks(track=track, limit=limit), source="content")


def _popularity() -> RawSQL:
    """Return a track's listens, counted up to POPULARITY_CAP (bounded cost, enough to rank)."""
    quote = connection.ops.quote_name
    listens, tracks = quote(Listen._meta.db_table), quote(Track._meta.db_table)
    # Table and column names come from our own models, quoted; the cap is a bound parameter.
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {listens} WHERE {listens}.{quote('track_id')} = "  # noqa: S608
        f"{tracks}.{quote('id')} LIMIT %s) capped"
    )
    return RawSQL(sql, (POPULARITY_CAP,))  # noqa: S611


def _content_similar_tracks(*, track: Track, limit: int) -> list[Track]:
    through = Track.genres.through
    genre_ids = list(through.objects.filter(track_id=track.pk).values_list("genre_id", flat=True))
    if genre_ids:
        scan = through.objects.filter(genre_id__in=genre_ids).exclude(track_id=track.pk).values("track_id")
    else:
        scan = Track.objects.filter(artist_id=track.artist_id).exclude(pk=track.pk).order_by().values("pk")
    ranked = (
        Track.objects.playable()
        .filter(pk__in=Subquery(scan[:FALLBACK_SCAN]))
        .annotate(
            listen_count=_popularity(),
            same_artist=Case(When(artist_id=track.artist_id, then=Value(1)), default=Value(0),
                             output_field=IntegerField()),
        )
        .order_by("-listen_count", "-same_artist", "pk")
        .values_list("pk", "artist_id")[: limit * 4]
    )
    ids, per_artist = [], {}
    for pk, artist_id in ranked:
        if per_artist.get(artist_id, 0) < FALLBACK_PER_ARTIST and len(ids) < limit:
            per_artist[artist_id] = per_artist.get(artist_id, 0) + 1
            ids.append(pk)
    by_id = _tracks().in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def similar_artists(*, artist: Artist, limit: int = SIMILAR_ARTIST_LIMIT) -> Similar:
    """Return the artists most like `artist`, best first, each with `picture_name` (cached; else 2
    queries, 4 on the fallback).

    The nightly run's neighbours, else the artists with the most tracks in the genres of `artist`'s
    tracks (among a bounded scan of them).
    """
    return _similar_cached(
        f"similar-artists:v1:{artist.pk}:{limit}", lambda: _similar_artists(artist=artist, limit=limit)
    )


def _similar_artists(*, artist: Artist, limit: int) -> Similar:
    items = SimilarArtistList.objects.filter(artist_id=artist.pk).values_list("items", flat=True).first()
    ids = [pk for pk, _score in packed.neighbours(items)][:limit]
    by_id = Artist.objects.annotate(picture_name=_artist_picture("pk")).in_bulk(ids) if ids else {}
    neighbours = [by_id[pk] for pk in ids if pk in by_id]
    if neighbours:
        return Similar(items=neighbours, source="neighbours")
    return Similar(items=_content_similar_artists(artist=artist, limit=limit), source="content")


def _content_similar_artists(*, artist: Artist, limit: int) -> list[Artist]:
    through = Track.genres.through
    genre_ids = list(
        through.objects.filter(track__artist_id=artist.pk).values_list("genre_id", flat=True).distinct()
    )
    if not genre_ids:
        return []
    scan = through.objects.filter(genre_id__in=genre_ids).values("track_id")[:FALLBACK_SCAN * 2]
    artists = (
        Artist.objects.filter(tracks__pk__in=Subquery(scan), tracks__is_available=True)
        .exclude(pk=artist.pk)
        .annotate(shared=Count("tracks", distinct=True), picture_name=_artist_picture("pk"))
        .order_by("-shared", "name", "pk")
    )
    return list(artists[:limit])


# ------------------------------------------------------------------------------ recommendations
# Entries read beyond `limit`: room for those played or thumbed down since the nightly run.
RECOMMENDATION_SLACK = 20


def recommendation_entries(*, user) -> list[packed.Entry]:
    """Return the user's recommendations as the nightly run ranked them (1 query; [] if none)."""
    row = RecommendationList.objects.filter(user_id=user.pk).values_list("items", "reasons").first()
    return packed.recommendation_entries(*row) if row else []


def recommended_tracks(*, user, limit: int = 50) -> list[Track]:
    """Return the user's top recommended tracks, ranked, that they have not listened to (2 queries).

    Each track carries `reason`, `seed_track` (or None), `recommendation_rank` and `recommendation_score`.
    Tracks no longer available, listened to or thumbed down since the nightly run are left out (of
    the first `limit` + RECOMMENDATION_SLACK entries: the list may come out a little short when
    more than that many were played since).
    """
    entries = recommendation_entries(user=user)[: limit + RECOMMENDATION_SLACK]
    if not entries:
        return []
    wanted = {e.track_id for e in entries} | {e.seed_track_id for e in entries if e.seed_track_id}
    by_id = (
        Track.objects.select_related("album__artist", "artist", "audio_file")
        .annotate(
            listened=Exists(Listen.objects.filter(user=user, track_id=OuterRef("pk"))),
            disliked=Exists(TrackDislike.objects.filter(user=user, track_id=OuterRef("pk"))),
        )
        .in_bulk(wanted)
    )
    tracks = []
    for entry in entries:
        track = by_id.get(entry.track_id)
        if track is None or not track.is_available or track.listened or track.disliked:
            continue  # deleted, withdrawn, played or thumbed down since the nightly run
        track.reason = entry.reason or "Picked for you"
        track.seed_track = by_id.get(entry.seed_track_id) if entry.seed_track_id else None
        track.recommendation_rank = entry.rank
        track.recommendation_score = entry.score
        tracks.append(track)
        if len(tracks) == limit:
            break
    return tracks


@dataclass(frozen=True)
class BecauseShelf:
    seed: Track
    tracks: list[Track]


def because_you_listened(
    *, user, shelves: int = 3, per_shelf: int = 6, scan: int = 120, min_tracks: int = 3
) -> list[BecauseShelf]:
    """Group the user's top recommendations by the played track behind them (2 queries).

    Return up to `shelves` groups of at least `min_tracks`, the seeds with the best-ranked
    recommendations first; each track keeps its reason.
    """
    groups: dict[int, BecauseShelf] = {}
    for track in recommended_tracks(user=user, limit=scan):
        seed = track.seed_track
        if seed is None:
            continue
        group = groups.setdefault(seed.pk, BecauseShelf(seed=seed, tracks=[]))
        if len(group.tracks) < per_shelf:
            group.tracks.append(track)
    full = [group for group in groups.values() if len(group.tracks) >= min_tracks]
    return full[:shelves]


def user_mixes(*, user) -> list[Playlist]:
    """Return the user's generated playlists (Discover first, then Daily Mixes by name) with
    `track_count`, `duration_ms`, `mosaic` and `cover_album_id` (2 queries)."""
    mixes = list(
        Playlist.objects.filter(owner=user, kind__in=MIX_KINDS)
        .annotate(
            kind_order=Case(When(kind=Playlist.Kind.DISCOVER, then=Value(0)), default=Value(1),
                            output_field=IntegerField()),
        )
        .order_by("kind_order", "name", "pk")
    )
    summaries = listening_selectors.playlist_summaries(playlists=mixes)
    for mix in mixes:
        summary = summaries[mix.pk]
        mix.track_count, mix.duration_ms = summary.track_count, summary.duration_ms
        mix.mosaic, mix.cover_album_id = summary.mosaic, summary.cover_album_id
    return mixes


def user_mix(*, user, uid) -> Playlist | None:
    """Return one of the user's generated playlists with `tracks` (each with its `reason` when the
    listener's recommendations hold one), or None (3 queries)."""
    mix = Playlist.objects.filter(owner=user, kind__in=MIX_KINDS, uid=uid).first()
    if mix is None:
        return None
    tracks = listening_selectors.playlist_items(playlist=mix).tracks()
    reasons = {entry.track_id: entry.reason for entry in reversed(recommendation_entries(user=user))}
    for track in tracks:
        track.reason = reasons.get(track.pk, "")
    mix.tracks = tracks
    return mix


# ------------------------------------------------------------------------------ cold start
def needs_taste_picks(*, user) -> bool:
    """Return whether the listener has no history, no picks and nothing generated yet (≤ 3 queries)."""
    if RecommendationList.objects.filter(user_id=user.pk).exists():
        return False
    if TastePick.objects.filter(user=user).exists():
        return False
    return not Listen.objects.filter(user=user).exists()


def taste_pick_get(*, user) -> TastePick | None:
    """Return the listener's picks with their genres and artists loaded (3 queries), or None."""
    return TastePick.objects.filter(user=user).prefetch_related("genres", "artists").first()


def picker_genres(*, limit: int = 24) -> list[Genre]:
    """Return the genres a new listener picks from: those with playable tracks, biggest first."""
    return catalog_selectors.genre_overview(limit=limit, biggest_first=True)


def picker_artists(*, limit: int = 36) -> list[Artist]:
    """Return artists to pick from, the biggest catalogues first, with `picture_name` (1 query, then
    cached for PICKER_CACHE_SECONDS: every new listener sees the same list).

    Bounded: only the artists of a scan of tracks are counted, so it stays quick on a big catalog.
    """

    def compute() -> list[Artist]:
        scan = Track.objects.playable().order_by().values("pk")[: FALLBACK_SCAN * 10]
        artists = (
            Artist.objects.filter(tracks__pk__in=Subquery(scan))
            .annotate(track_count=Count("tracks", distinct=True), picture_name=_artist_picture("pk"))
            .order_by("-track_count", "name", "pk")
        )
        return list(artists[:limit])

    return cache.get_or_set(f"recommend:picker-artists:{limit}", compute, PICKER_CACHE_SECONDS)


def disliked_ids(*, user, ids: Iterable[int] | None = None) -> set[int]:
    """Return the ids of tracks the user thumbed down (among `ids` when given) (1 query)."""
    rows = TrackDislike.objects.filter(user=user)
    if ids is not None:
        rows = rows.filter(track_id__in=list(ids))
    return set(rows.values_list("track_id", flat=True))


def dislikes(*, user) -> QuerySet[TrackDislike]:
    """Return the user's thumbs-down, newest first, with their tracks loaded."""
    return (
        TrackDislike.objects.filter(user=user)
        .select_related("track__album__artist", "track__artist", "track__audio_file")
        .order_by("-created_at", "-pk")
    )
