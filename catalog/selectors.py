"""Reads of the catalog, with the joins each caller needs so pages run a constant number of queries."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from .models import Album, Artist, AudioFile, Genre, Track
from .search import SearchResults, Suggestion, search, search_suggestions  # noqa: F401 (the search selectors)


def track_list(*, filters: dict | None = None) -> QuerySet[Track]:
    """Return playable tracks with album, artist and genres loaded."""
    return Track.objects.playable().with_related().filter(**(filters or {})).order_by("pk")


# ------------------------------------------------------------------------------
# Loudness
# ------------------------------------------------------------------------------
def loudness_pending() -> QuerySet[AudioFile]:
    """The available files whose loudness was not measured yet (new, or whose content changed), by id."""
    return AudioFile.objects.filter(is_available=True, loudness_measured_at__isnull=True).order_by("pk")


def albums_of_files(file_ids: list[int]) -> set[int]:
    """The ids of the albums with a track on one of these files."""
    if not file_ids:
        return set()
    return set(Track.objects.filter(audio_file_id__in=file_ids).values_list("album_id", flat=True).distinct())


def album_track_loudness(*, album_ids: list[int]) -> QuerySet:
    """(album id, LUFS, true peak dBTP, duration ms) of the available tracks of these albums with a file."""
    return (
        Track.objects.filter(album_id__in=album_ids, is_available=True, audio_file__isnull=False)
        .order_by()
        .values_list(
            "album_id", "audio_file__loudness_lufs", "audio_file__true_peak_dbtp", "audio_file__duration_ms"
        )
    )


# ------------------------------------------------------------------------------
# Pages: each selector returns everything its page shows in a fixed number of queries.
# ------------------------------------------------------------------------------
def _newest_first() -> list:
    return [F("release_year").desc(nulls_last=True), "-created_at", "-pk"]


def _tracklist_order() -> list:
    return ["disc_number", F("track_number").asc(nulls_last=True), "title", "pk"]


def _opening_tracks_first() -> list:
    """Order tracks by position on their release (newest release first): a mix of many releases."""
    return [
        F("track_number").asc(nulls_last=True),
        "disc_number",
        F("album__release_year").desc(nulls_last=True),
        "pk",
    ]


def _has_playable_tracks() -> Exists:
    return Exists(Track.objects.playable().filter(album=OuterRef("pk")))


def _artist_picture() -> Subquery:
    """Return the cover of the artist's newest album that has one: artists have no photos of their own."""
    covers = Album.objects.filter(artist=OuterRef("pk")).exclude(cover="").order_by(*_newest_first())
    return Subquery(covers.values("cover")[:1])


@dataclass(frozen=True)
class Disc:
    number: int
    tracks: list[Track]


@dataclass(frozen=True)
class AlbumPage:
    album: Album
    discs: list[Disc]
    genres: list[Genre]
    track_count: int
    duration_ms: int
    more_by_artist: list[Album]

    @property
    def tracks(self) -> list[Track]:
        return [track for disc in self.discs for track in disc.tracks]


@dataclass(frozen=True)
class ArtistPage:
    artist: Artist
    top_tracks: list[Track]
    albums: list[Album]
    singles_and_eps: list[Album]
    compilations: list[Album]
    appears_on: list[Album]


@dataclass(frozen=True)
class TrackPage:
    track: Track
    album_discs: list[Disc]


@dataclass(frozen=True)
class GenrePage:
    genre: Genre
    artists: list[Artist]
    albums: list[Album]
    tracks: list[Track]


def _discs(tracks: list[Track]) -> list[Disc]:
    """Group tracks already in tracklist order by disc."""
    discs: dict[int, list[Track]] = {}
    for track in tracks:
        discs.setdefault(track.disc_number, []).append(track)
    return [Disc(number=number, tracks=disc_tracks) for number, disc_tracks in discs.items()]


def home_new_releases(*, limit: int = 12) -> list[Album]:
    """Return the newest albums that have something to play, latest release year first (cached)."""

    def build() -> list[Album]:
        albums = Album.objects.select_related("artist").filter(_has_playable_tracks())
        return list(albums.order_by(*_newest_first())[:limit])

    return cached_read(f"new-releases:v1:{limit}", build)


# ------------------------------------------------------------------------------
# The cache of catalog reads. What the catalog pages show (an album, an artist, the new releases, the
# genre overview) changes only with the catalog itself: through a library import, seed_demo or staff
# in the admin, which call catalog_changed(). Cached reads are keyed by a catalog version that
# catalog_changed() replaces, so they all go stale at once; they expire anyway after
# STREAMAPP_CATALOG_CACHE_SECONDS. Bump a name's "v1" when what is cached under it changes shape.
# ------------------------------------------------------------------------------
CATALOG_VERSION_KEY = "catalog:version"


def cache_version(key: str) -> str:
    """Return the version stored under `key` in the cache, storing a new one if there is none.

    Cached reads name a version in their keys; replacing it (replace_cache_version) makes them all
    stale at once.
    """
    version = cache.get(key)
    if version is None:
        fresh = uuid.uuid4().hex
        cache.add(key, fresh, timeout=None)
        # Another process may have added its own first. None when the cache is unreachable: then the
        # fresh version, stored nowhere, so that nothing is read or shared under a made-up one.
        version = cache.get(key) or fresh
    return version


def replace_cache_version(*keys: str) -> None:
    """Store a new version under each key, now and again once the current transaction commits.

    Again on commit: another request may have cached the old rows in between.
    """

    def replace() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)

    if keys:
        replace()
        transaction.on_commit(replace)


def _catalog_version() -> str:
    return cache_version(CATALOG_VERSION_KEY)


def catalog_changed() -> None:
    """Make every cached catalog read stale, now and again once the current transaction commits.

    Call it after any change to the catalog that pages show: tracks (availability, genres, titles),
    albums (covers), artists, genres.
    """
    replace_cache_version(CATALOG_VERSION_KEY)


def cached_read(name: str, build, *, timeout: int | None = None):
    """Return build() through the cache, under the current catalog version (None is not cached).

    Kept for STREAMAPP_CATALOG_CACHE_SECONDS, or `timeout` seconds if that is shorter.
    """
    key = f"catalog:{_catalog_version()}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        if value is not None:
            seconds = settings.STREAMAPP_CATALOG_CACHE_SECONDS
            cache.set(key, value, timeout=min(seconds, timeout) if timeout else seconds)
    return value


# Counting every genre's tracks joins the whole catalog: about 280 ms of database time at 200,000
# tracks. Imports and seed_demo recompute it right away (genre_overview_refresh), so no page waits.
GENRE_OVERVIEW_CACHE_NAME = "genre-overview:v1"


def _genre_overview_query() -> list[Genre]:
    covers = (
        Album.objects.filter(tracks__genres=OuterRef("pk"), tracks__is_available=True)
        .exclude(cover="")
        .order_by(*_newest_first())
        .values("cover")[:1]
    )
    genres = (
        Genre.objects.annotate(
            track_count=Count("tracks", filter=Q(tracks__is_available=True)),
            cover_name=Subquery(covers),
        )
        .filter(track_count__gt=0)
        .order_by("name")
    )
    return list(genres)


def genre_overview_refresh() -> list[Genre]:
    """Recompute the genres that have playable tracks (see genre_overview), store and return them."""
    genres = _genre_overview_query()
    key = f"catalog:{_catalog_version()}:{GENRE_OVERVIEW_CACHE_NAME}"
    cache.set(key, genres, timeout=settings.STREAMAPP_CATALOG_CACHE_SECONDS)
    return genres


def genre_overview(*, limit: int | None = None, biggest_first: bool = False) -> list[Genre]:
    """Return the genres that have playable tracks, with `track_count` and a `cover_name` to show.

    `cover_name` is the storage name of one album cover in the genre, or None. Genres come by name,
    or by most tracks first (then by name). From the cache: 0 queries, or 1 when it is cold.
    """
    genres = cached_read(GENRE_OVERVIEW_CACHE_NAME, _genre_overview_query)
    if biggest_first:
        genres = sorted(genres, key=lambda genre: -genre.track_count)  # stable: ties stay by name
    return genres[:limit] if limit else list(genres)


def genre_detail(
    *, slug: str, artist_limit: int = 12, album_limit: int = 24, track_limit: int = 20
) -> GenrePage | None:
    """Return a genre's page (its busiest artists, newest albums and some tracks), or None if unknown."""
    genre = (
        Genre.objects.annotate(track_count=Count("tracks", filter=Q(tracks__is_available=True)))
        .filter(slug=slug)
        .first()
    )
    if genre is None:
        return None
    in_genre = Q(tracks__genres=genre, tracks__is_available=True)
    artists = (
        Artist.objects.filter(in_genre)
        .annotate(genre_track_count=Count("tracks", distinct=True), picture_name=_artist_picture())
        .order_by("-genre_track_count", "name")[:artist_limit]
    )
    album_ids = Album.objects.filter(in_genre).values("pk")
    albums = Album.objects.filter(pk__in=album_ids).select_related("artist").order_by(*_newest_first())
    # Opening tracks of many albums rather than one album from start to finish.
    tracks = (
        Track.objects.playable()
        .with_related()
        .filter(genres=genre)
        .order_by(*_opening_tracks_first())
    )
    return GenrePage(
        genre=genre,
        artists=list(artists),
        albums=list(albums[:album_limit]),
        tracks=list(tracks[:track_limit]),
    )


def artist_top_tracks(*, artist: Artist, limit: int = 10) -> list[Track]:
    """Return the artist's top tracks: the one place that decides what "top" means.

    Until plays are counted this is each release's opening tracks, newest release first. Tracks come
    with their album (and its artist) and artist; genres are not loaded (rows don't show them).
    """
    tracks = (
        Track.objects.playable()
        .select_related("album__artist", "artist", "audio_file")
        .filter(artist=artist)
        .order_by(*_opening_tracks_first())
    )
    return list(tracks[:limit])


def artist_detail(*, pk: int, appears_on_limit: int = 12) -> ArtistPage | None:
    """Return an artist's page (top tracks, releases grouped by type, appearances), or None if unknown.

    From the cache of catalog reads (0 queries) once read.
    """
    return cached_read(f"artist:v1:{pk}:{appears_on_limit}", lambda: _artist_page(pk, appears_on_limit))


def _artist_page(pk: int, appears_on_limit: int) -> ArtistPage | None:
    artist = (
        Artist.objects.annotate(
            track_count=Count("tracks", filter=Q(tracks__is_available=True), distinct=True),
            picture_name=_artist_picture(),
        )
        .filter(pk=pk)
        .first()
    )
    if artist is None:
        return None
    releases = list(
        Album.objects.filter(artist=artist)
        .annotate(track_count=Count("tracks"))
        .order_by(*_newest_first())
    )
    for album in releases:
        album.artist = artist  # the cards show the artist's name: no query per card
    appearance_ids = Album.objects.filter(tracks__artist=artist).exclude(artist=artist).values("pk")
    appears_on = (
        Album.objects.filter(pk__in=appearance_ids).select_related("artist").order_by(*_newest_first())
    )
    by_type = Album.AlbumType
    return ArtistPage(
        artist=artist,
        top_tracks=artist_top_tracks(artist=artist),
        albums=[album for album in releases if album.album_type == by_type.ALBUM],
        singles_and_eps=[album for album in releases if album.album_type in (by_type.SINGLE, by_type.EP)],
        compilations=[album for album in releases if album.album_type == by_type.COMPILATION],
        appears_on=list(appears_on[:appears_on_limit]),
    )


def album_detail(*, pk: int, more_limit: int = 6) -> AlbumPage | None:
    """Return an album's page (tracklist by disc, genres, total duration, more by the artist), or None.

    From the cache of catalog reads (0 queries) once read.
    """
    return cached_read(f"album:v1:{pk}:{more_limit}", lambda: _album_page(pk, more_limit))


def _album_page(pk: int, more_limit: int) -> AlbumPage | None:
    album = Album.objects.select_related("artist").filter(pk=pk).first()
    if album is None:
        return None
    tracks = list(
        Track.objects.filter(album=album).select_related("artist", "audio_file").prefetch_related("genres")
        .order_by(*_tracklist_order())
    )
    genres: dict[int, Genre] = {}
    for track in tracks:
        track.album = album
        for genre in track.genres.all():
            genres.setdefault(genre.pk, genre)
    more_by_artist = (
        Album.objects.filter(artist=album.artist_id)
        .exclude(pk=album.pk)
        .filter(_has_playable_tracks())
        .order_by(*_newest_first())[:more_limit]
    )
    more = list(more_by_artist)
    for other in more:
        other.artist = album.artist
    return AlbumPage(
        album=album,
        discs=_discs(tracks),
        genres=sorted(genres.values(), key=lambda genre: genre.name.casefold()),
        track_count=len(tracks),
        duration_ms=sum(track.duration_ms for track in tracks),
        more_by_artist=more,
    )


def track_detail(*, pk: int) -> TrackPage | None:
    """Return a track's page (the track with its file and genres, its album's tracklist), or None."""
    track = Track.objects.with_related().select_related("audio_file").filter(pk=pk).first()
    if track is None:
        return None
    album_tracks = list(
        Track.objects.filter(album=track.album_id).select_related("artist").order_by(*_tracklist_order())
    )
    for other in album_tracks:
        other.album = track.album
    return TrackPage(track=track, album_discs=_discs(album_tracks))
