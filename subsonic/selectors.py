"""Reads for the Subsonic API, each in a constant number of queries whatever the catalog's size.

Songs come with their album, artists, audio file and genres; albums with their artist, song count,
duration and first genre (subqueries, computed only for the rows a page returns). Shared catalog reads
(the artist index, the genres) are kept under the catalog version (catalog.selectors.cached_read).
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from catalog import loudness as catalog_loudness
from catalog import selectors as catalog_selectors
from catalog.models import Album, Artist, Genre, LibraryImport, Track
from listening import selectors as listening_selectors
from listening.listenbrainz import selectors as listenbrainz_selectors
from listening.models import AlbumLike, ArtistLike, Listen, PlayerState, TrackLike
from recommend import selectors as recommend_selectors
from streamapp.compiled import CompiledQuery

from . import passwords, shapes
from .models import SubsonicPassword

MAX_LIST_SIZE = 500
# A search reaches the best matches only (catalog.search ranks at most this many of each kind).
SEARCH_DEPTH = 100
ALBUM_LIST_TYPES = (
    "random",
    "newest",
    "highest",
    "frequent",
    "recent",
    "alphabeticalByName",
    "alphabeticalByArtist",
    "starred",
    "byYear",
    "byGenre",
)


# ------------------------------------------------------------------------------ who calls
def user_with_password(*, username: str) -> tuple[object | None, str | None]:
    """Return the active user of that name and their Subsonic password (None if unset or unreadable), or
    (None, None) (1 query; every call of the API runs it: its SQL is compiled once, streamapp.compiled)."""
    found = _USER_WITH_PASSWORD.fetch(username=username)
    if not found:
        return None, None
    user = found[0]
    encrypted = user.__dict__.pop("subsonic_encrypted", None)
    return user, passwords.decrypt(encrypted) if encrypted is not None else None


def _user_with_password_query(username):
    user_model = get_user_model()
    return (
        user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username, "is_active": True})
        .annotate(subsonic_encrypted=F("subsonic_password__encrypted"))
        .order_by()[:1]
    )


_USER_WITH_PASSWORD = CompiledQuery(_user_with_password_query, username="\x00username")


def user_by_api_key(key: str):
    """Return the active user whose API token this is (OpenSubsonic's apiKey), or None (1 query)."""
    return listenbrainz_selectors.user_by_token(key)


def stored_password(*, user) -> str | None:
    row = SubsonicPassword.objects.filter(user=user).first()
    return passwords.decrypt(row.encrypted) if row else None


# ------------------------------------------------------------------------------ songs, albums, artists
@dataclass(slots=True)
class SongRow:
    """What a song entry shows of a track, its album, artist, file and genres: read as plain values (a
    list of 500 songs costs a fifth of as many model instances with their relations and genres)."""

    pk: int
    title: str
    track_number: int | None
    disc_number: int
    duration_ms: int
    created_at: dt.datetime
    mbid: object
    album_id: int
    album_title: str
    year: int | None
    cover: str
    artist_id: int
    artist_name: str
    format: str | None
    size: int | None
    mime_type: str | None
    bitrate: int | None
    genres: list[str]
    # catalog.loudness.track_loudness_values of the track: what its `replayGain` says.
    loudness: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class _FileLoudness:
    """The audio file's loudness columns, as catalog.loudness.track_loudness_values reads them."""

    loudness_lufs: float | None
    true_peak_dbtp: float | None
    replaygain_track_gain_db: float | None
    replaygain_track_peak: float | None
    replaygain_album_gain_db: float | None
    replaygain_album_peak: float | None


@dataclass(frozen=True, slots=True)
class _AlbumLoudness:
    loudness_lufs: float | None
    true_peak_dbtp: float | None


_SONG_COLUMNS = (
    "pk",
    "title",
    "track_number",
    "disc_number",
    "duration_ms",
    "created_at",
    "mbid",
    "album_id",
    "album__title",
    "album__release_year",
    "album__cover",
    "artist_id",
    "artist__name",
    "audio_file__format",
    "audio_file__size",
    "audio_file__mime_type",
    "audio_file__bitrate",
)
_FILE_LOUDNESS_COLUMNS = tuple(f"audio_file__{name}" for name in _FileLoudness.__dataclass_fields__)
_ALBUM_LOUDNESS_COLUMNS = tuple(f"album__{name}" for name in _AlbumLoudness.__dataclass_fields__)


def songs() -> QuerySet[Track]:
    """Playable tracks, to filter and order before song_rows reads them."""
    return Track.objects.playable()


def song_rows(queryset: QuerySet[Track], window: slice | None = None) -> list[dict]:
    """Return the song entries of a queryset (in its order, `window` of them) with their genres
    (2 queries)."""
    values = queryset.values_list(*_SONG_COLUMNS, *_FILE_LOUDNESS_COLUMNS, *_ALBUM_LOUDNESS_COLUMNS)
    rows = [_song_row(row) for row in (values[window] if window else values)]
    if rows:
        by_id = {row.pk: row for row in rows}
        through = Track.genres.through.objects.filter(track_id__in=list(by_id)).order_by("genre__name")
        for track_id, name in through.values_list("track_id", "genre__name"):
            by_id[track_id].genres.append(name)
    return [shapes.song(row) for row in rows]


def _song_row(values: tuple) -> SongRow:
    song_end = len(_SONG_COLUMNS)
    file_end = song_end + len(_FILE_LOUDNESS_COLUMNS)
    loudness = catalog_loudness.track_loudness_values(
        _FileLoudness(*values[song_end:file_end]), _AlbumLoudness(*values[file_end:])
    )
    return SongRow(*values[:song_end], genres=[], loudness=loudness)


def songs_in_order(ids: list[int]) -> list[dict]:
    """Return the entries of the playable songs of these ids in that order, repeats kept (2 queries)."""
    by_id = {int(entry["id"]): entry for entry in song_rows(songs().filter(pk__in=set(ids)))}
    return [by_id[pk] for pk in ids if pk in by_id]


def _playable_of_album() -> QuerySet[Track]:
    return Track.objects.playable().filter(album=OuterRef("pk")).order_by().values("album")


def albums() -> QuerySet[Album]:
    """Albums with playable tracks, their artist, `song_count`, `duration_ms` and `genre_name`."""
    first_genre = Genre.objects.filter(tracks__album=OuterRef("pk")).order_by("name").values("name")[:1]
    return (
        Album.objects.filter(Exists(Track.objects.playable().filter(album=OuterRef("pk"))))
        .select_related("artist")
        .annotate(
            song_count=Coalesce(
                Subquery(_playable_of_album().annotate(n=Count("pk")).values("n")),
                Value(0),
                output_field=IntegerField(),
            ),
            duration_ms=Coalesce(
                Subquery(_playable_of_album().annotate(total=Sum("duration_ms")).values("total")),
                Value(0),
                output_field=IntegerField(),
            ),
            genre_name=Subquery(first_genre),
        )
    )


def album_entries(queryset) -> list[dict]:
    return [shapes.album(album) for album in queryset]


def _artist_entries(queryset) -> list[dict]:
    return [shapes.artist(artist) for artist in queryset]


def album_with_songs(*, pk: int) -> tuple[dict, list[dict]] | None:
    """Return an album and its playable songs in tracklist order, or None (cached under the catalog
    version; else 3 queries)."""
    return catalog_selectors.cached_read(f"subsonic:album:v3:{pk}", lambda: _album_with_songs(pk))


def _album_with_songs(pk: int) -> tuple[dict, list[dict]] | None:
    album = albums().filter(pk=pk).first()
    if album is None:
        return None
    order = ("disc_number", F("track_number").asc(nulls_last=True), "title", "pk")
    return shapes.album(album), song_rows(songs().filter(album=album).order_by(*order))


def song(*, pk: int) -> Track | None:
    """Return a playable track with its album, artist and file (to stream, scrobble or find alike)."""
    return songs().select_related("album__artist", "artist", "audio_file").filter(pk=pk).first()


def _artists() -> QuerySet[Artist]:
    with_playable = Album.objects.filter(artist=OuterRef("pk")).filter(
        Exists(Track.objects.playable().filter(album=OuterRef("pk")))
    )
    album_count = with_playable.order_by().values("artist").annotate(n=Count("pk")).values("n")
    return Artist.objects.annotate(
        album_count=Coalesce(Subquery(album_count), Value(0), output_field=IntegerField())
    ).filter(album_count__gt=0)


@dataclass(frozen=True)
class ArtistIndex:
    entries: list[dict]  # ArtistID3 entries, by sort name
    last_modified_ms: int  # the latest change to one of them


def artist_index() -> ArtistIndex:
    """Every artist with a playable album, by name, with their album count (cached under the catalog)."""

    def build() -> ArtistIndex:
        artists = list(_artists().order_by("sort_name", "name", "pk"))
        changed = max((artist.updated_at for artist in artists), default=None)
        return ArtistIndex(
            entries=[shapes.artist(artist) for artist in artists],
            last_modified_ms=int(changed.timestamp() * 1000) if changed else 0,
        )

    return catalog_selectors.cached_read("subsonic:artist-index:v2", build)


def artist_with_albums(*, pk: int) -> tuple[Artist, list[dict]] | None:
    """Return an artist and their albums with playable tracks, newest first, or None (2 queries)."""
    artist = _artists().filter(pk=pk).first()
    if artist is None:
        return None
    order = (F("release_year").desc(nulls_last=True), "title", "pk")
    return artist, album_entries(albums().filter(artist=artist).order_by(*order))


def genres() -> list[Genre]:
    """Genres with playable tracks, by name, with `song_count` and `album_count` (cached)."""

    def build() -> list[Genre]:
        playable = Q(tracks__is_available=True)
        return list(
            Genre.objects.annotate(
                song_count=Count("tracks", filter=playable, distinct=True),
                album_count=Count("tracks__album", filter=playable, distinct=True),
            )
            .filter(song_count__gt=0)
            .order_by("name")
        )

    return catalog_selectors.cached_read("subsonic:genres:v1", build)


# ------------------------------------------------------------------------------ lists
@dataclass(frozen=True)
class AlbumListQuery:
    type: str
    size: int
    offset: int
    from_year: int | None = None
    to_year: int | None = None
    genre: str | None = None


# The lists that are the same for every listener, kept under the catalog version.
CATALOG_LIST_TYPES = ("newest", "alphabeticalByName", "alphabeticalByArtist", "byYear", "byGenre")


def _digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:24]


def album_list(*, user, query: AlbumListQuery) -> list[dict]:
    """Return a page of getAlbumList2 (the listener's history: 3 queries; random and starred: 2; the
    others cached under the catalog version, else 2)."""
    if query.type in ("frequent", "highest", "recent"):
        return _albums_from_history(user=user, query=query)
    if query.type in CATALOG_LIST_TYPES:
        name = (
            f"subsonic:album-list:v2:{query.type}:{query.size}:{query.offset}:{query.from_year}:"
            f"{query.to_year}:{_digest(query.genre)}"
        )
        return catalog_selectors.cached_read(name, lambda: _album_list(user=user, query=query))
    return _album_list(user=user, query=query)


def _album_list(*, user, query: AlbumListQuery) -> list[dict]:
    found = albums()
    window = slice(query.offset, query.offset + query.size)
    if query.type == "random":
        return album_entries(found.order_by("?")[: query.size])
    if query.type == "starred":
        liked = AlbumLike.objects.filter(user=user, album=OuterRef("pk")).values("created_at")[:1]
        return album_entries(
            found.annotate(liked_at=Subquery(liked))
            .filter(liked_at__isnull=False)
            .order_by("-liked_at", "-pk")[window]
        )
    if query.type == "byYear":
        low, high = sorted((query.from_year, query.to_year))
        found = found.filter(release_year__gte=low, release_year__lte=high)
        direction = "-" if query.from_year > query.to_year else ""
        return album_entries(found.order_by(f"{direction}release_year", "title", "pk")[window])
    if query.type == "byGenre":
        in_genre = Track.objects.playable().filter(album=OuterRef("pk"), genres__name=query.genre)
        return album_entries(found.filter(Exists(in_genre)).order_by("title", "pk")[window])
    orders = {
        "newest": ("-created_at", "-pk"),
        "alphabeticalByName": ("title", "pk"),
        "alphabeticalByArtist": ("artist__name", "title", "pk"),
    }
    return album_entries(found.order_by(*orders[query.type])[window])


def _albums_from_history(*, user, query: AlbumListQuery) -> list[dict]:
    """The listener's most listened (frequent, highest: there are no ratings) or latest listened albums."""
    listens = Listen.objects.filter(user=user, track__isnull=False).values("track__album")
    if query.type == "recent":
        ranked = listens.annotate(rank=Max("listened_at")).order_by("-rank", "-track__album")
    else:
        ranked = listens.annotate(rank=Count("pk")).order_by("-rank", "-track__album")
    ids = [row["track__album"] for row in ranked[query.offset : query.offset + query.size]]
    by_id = albums().in_bulk(ids)
    return [shapes.album(by_id[pk]) for pk in ids if pk in by_id]


def random_songs(*, size: int, genre: str | None, from_year: int | None, to_year: int | None) -> list[dict]:
    found = songs()
    if genre:
        found = found.filter(genres__name=genre)
    if from_year is not None:
        found = found.filter(album__release_year__gte=from_year)
    if to_year is not None:
        found = found.filter(album__release_year__lte=to_year)
    return song_rows(found.order_by("?"), slice(0, size))


def songs_by_genre(*, genre: str, count: int, offset: int) -> list[dict]:
    order = ("album__title", "album", "disc_number", F("track_number").asc(nulls_last=True), "pk")
    return song_rows(songs().filter(genres__name=genre).order_by(*order), slice(offset, offset + count))


@dataclass(frozen=True)
class SearchPage:
    artist_count: int
    artist_offset: int
    album_count: int
    album_offset: int
    song_count: int
    song_offset: int


@dataclass(frozen=True)
class Found:
    artists: list[dict]  # entries, as every list below
    albums: list[dict]
    songs: list[dict]


def search(*, query: str, page: SearchPage) -> Found:
    """Return search3's results: everything, by name, for an empty query; else the best matches (cached
    under the catalog version; else up to 10 queries)."""
    name = (
        f"subsonic:search:v3:{_digest(query)}:{page.artist_count}:{page.artist_offset}:{page.album_count}:"
        f"{page.album_offset}:{page.song_count}:{page.song_offset}"
    )
    return catalog_selectors.cached_read(name, lambda: _search(query=query, page=page))


def _search(*, query: str, page: SearchPage) -> Found:
    artist_window = slice(page.artist_offset, page.artist_offset + page.artist_count)
    album_window = slice(page.album_offset, page.album_offset + page.album_count)
    song_window = slice(page.song_offset, page.song_offset + page.song_count)
    if not query:
        return Found(
            artists=_artist_entries(_artists().order_by("name", "pk")[artist_window])
            if page.artist_count
            else [],
            albums=album_entries(albums().order_by("title", "pk")[album_window]) if page.album_count else [],
            songs=song_rows(songs().order_by("title", "pk"), song_window) if page.song_count else [],
        )
    deepest = max(
        page.artist_offset + page.artist_count,
        page.album_offset + page.album_count,
        page.song_offset + page.song_count,
    )
    results = catalog_selectors.search(query=query, limit=min(max(deepest, 1), SEARCH_DEPTH))
    artist_ids = [artist.pk for artist in results.artists[artist_window]]
    album_ids = [album.pk for album in results.albums[album_window]]
    song_ids = [track.pk for track in results.tracks[song_window]]
    artists_by_id = _artists().in_bulk(artist_ids) if artist_ids else {}
    albums_by_id = albums().in_bulk(album_ids) if album_ids else {}
    return Found(
        artists=[shapes.artist(artists_by_id[pk]) for pk in artist_ids if pk in artists_by_id],
        albums=[shapes.album(albums_by_id[pk]) for pk in album_ids if pk in albums_by_id],
        songs=songs_in_order(song_ids) if song_ids else [],
    )


# ------------------------------------------------------------------------------ the listener's own
@dataclass(frozen=True)
class Starred:
    artists: list[dict]
    albums: list[dict]
    songs: list[dict]


def starred(*, user) -> Starred:
    """Everything the listener starred, latest first (at most MAX_LIST_SIZE of each kind)."""
    liked_artists = ArtistLike.objects.filter(user=user).order_by("-created_at").values("artist")
    liked_albums = AlbumLike.objects.filter(user=user).order_by("-created_at").values("album")
    liked_songs = TrackLike.objects.filter(user=user).order_by("-created_at").values_list("track", flat=True)
    artist_ids = [row["artist"] for row in liked_artists[:MAX_LIST_SIZE]]
    album_ids = [row["album"] for row in liked_albums[:MAX_LIST_SIZE]]
    artists_by_id = _artists().in_bulk(artist_ids)
    albums_by_id = albums().in_bulk(album_ids)
    return Starred(
        artists=[shapes.artist(artists_by_id[pk]) for pk in artist_ids if pk in artists_by_id],
        albums=[shapes.album(albums_by_id[pk]) for pk in album_ids if pk in albums_by_id],
        songs=songs_in_order(list(liked_songs[:MAX_LIST_SIZE])),
    )


def player_state(*, user) -> PlayerState:
    """Return the listener's saved player state (the web player's), or an empty one (1 query, compiled
    once: getPlayQueue is among the calls clients make most)."""
    found = _PLAYER_STATE.fetch(user_id=user.pk)
    return found[0] if found else PlayerState(user=user)


_PLAYER_STATE = CompiledQuery(
    lambda user_id: PlayerState.objects.filter(user_id=user_id).order_by()[:1], user_id=-(2**62)
)


def play_queue(*, user) -> tuple[PlayerState, list[dict]]:
    """Return the listener's saved player state and its playable songs in queue order (1 query; the songs
    are kept under the state's version and the catalog's, else 2 more)."""
    state = player_state(user=user)
    if not state.queue:
        return state, []
    name = f"subsonic:queue:v3:{user.pk}:{state.version}"
    return state, catalog_selectors.cached_read(name, lambda: songs_in_order(list(state.queue)))


def now_playing(*, user):
    """Return what the listener plays now (their own only: nobody sees another's listening), or None."""
    return listening_selectors.now_playing(user=user)


# ------------------------------------------------------------------------------ playlists
def playlists(*, user) -> list:
    """The listener's playlists (own and collaborative) then their generated mixes, with `track_count`,
    `duration_ms` and a `cover_album_id` (4 queries)."""
    own = list(listening_selectors.user_playlists(user=user))
    summaries = listening_selectors.playlist_summaries(playlists=own, mosaics=False)
    for playlist in own:
        summary = summaries[playlist.pk]
        playlist.track_count, playlist.duration_ms = summary.track_count, summary.duration_ms
        playlist.cover_album_id = summary.cover_album_id
    return own + recommend_selectors.user_mixes(user=user)  # with the same fields


def playlist(*, user, uid):
    """Return (access, songs) for a playlist the listener may see; raise Http404 otherwise (cached
    playlist, then 2 queries for its songs)."""
    access = listening_selectors.playlist_access(user=user, uid=uid)
    items = listening_selectors.playlist_items(playlist=access.playlist).track_ids()
    tracks = songs_in_order(items)
    access.playlist.track_count = len(tracks)
    access.playlist.duration_ms = sum(entry["duration"] for entry in tracks) * 1000
    access.playlist.cover_album_id = int(tracks[0]["albumId"]) if tracks else None
    return access, tracks


# ------------------------------------------------------------------------------ the library import
def latest_import() -> LibraryImport | None:
    return LibraryImport.objects.order_by("-created_at", "-pk").first()


def similar_songs(*, track: Track, count: int) -> list[dict]:
    """Songs like this one, from the recommender's neighbours (its content fallback for new tracks)."""
    similar = recommend_selectors.similar_tracks(track=track, limit=count)
    return songs_in_order([item.pk for item in similar.items])


def similar_artists(*, artist: Artist, count: int) -> list[dict]:
    similar = recommend_selectors.similar_artists(artist=artist, limit=count)
    ids = [item.pk for item in similar.items]
    by_id = _artists().in_bulk(ids)
    return [shapes.artist(by_id[pk]) for pk in ids if pk in by_id]


def top_songs(*, artist_name: str, count: int) -> list[dict]:
    """The artist's most listened songs (by everyone's listens), then their opening tracks."""
    artist = Artist.objects.filter(name__iexact=artist_name).order_by("pk").first()
    if artist is None:
        return []
    listened = (
        Listen.objects.filter(track__artist=artist, track__is_available=True)
        .values("track")
        .annotate(n=Count("pk"))
        .order_by("-n", "track")[:count]
    )
    ids = [row["track"] for row in listened]
    if len(ids) < count:
        opening = catalog_selectors.artist_top_tracks(artist=artist, limit=count)
        ids += [track.pk for track in opening if track.pk not in ids][: count - len(ids)]
    return songs_in_order(ids)
