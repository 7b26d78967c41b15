"""Nightly recommendation rebuild at scale: synthetic listeners with real tastes, timed per stage.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/streamapp .venv/bin/python bench/rebuild.py \\
        --users 50000 --tracks 200000 --listens 10000000

Creates its own PostgreSQL database on that server (streamapp_bench_rebuild unless --database says
otherwise; dropped and created afresh, dropped again at the end unless --keep), migrates it, and
fills it with a synthetic catalog and history (bulk COPY through ``streamapp.bulk.insert_rows``):

- a catalog of --tracks tracks by artists of 42 genres, ten tracks to an album; artists' popularity
  follows a Zipf law, and a few hit tracks lead each artist;
- --users listeners, each with one to three taste clusters (a genre, and a handful of favourite
  artists in it) and a Zipf-like activity level; their listens come from their favourite artists,
  the rest of their clusters' genres (by popularity) and a little exploration of the whole catalog,
  spread over 90 days; skipped plays fall mostly on the exploration; listeners like a few of their
  most played tracks. --listens is the number of listens (counted plays); plays add the skips.

Then the nightly run goes in a fresh child process, so its peak memory is its own
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``), on a machine whose database already holds the data:
``recommend.services.workflow.run_sync()`` when that service exists (train, generate, write, with
its own per-stage timings), else the engine alone (read the history, build the matrix, train the
production model, score every listener in batches). Figures go to stdout, one line per stage.
"""

import argparse
import datetime
import io
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ itself comes first on the path, and bench/http.py would shadow the
# standard library's http (which Django imports): put the project there instead.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import support  # noqa: E402  (after the path fix above)

DEFAULT_DATABASE = "streamapp_bench_rebuild"
DAYS = 90
TRACKS_PER_ALBUM = 10
TRACKS_PER_ARTIST = 40
GENRE_VARIANTS = ("{}", "Modern {}", "Classic {}")
# Where a listen comes from: favourite artists, the rest of the taste's genres, the whole catalog.
LISTEN_SOURCES = (0.5, 0.4, 0.1)
SKIP_SHARE = 0.15
LIKE_SHARE = 0.05
USERS_PER_CHUNK = 2_000
USERNAME_PREFIX = "bench"


# -- the synthetic catalog and tastes (numpy only) ------------------------------------------------


@dataclass
class SyntheticCatalog:
    """Tracks in artist order (an artist's tracks are contiguous, its hits first)."""

    genre_names: list[str]
    artist_genre: np.ndarray  # primary genre per artist
    artist_second_genre: np.ndarray  # second genre per artist (-1: none)
    artist_popularity: np.ndarray  # sums to 1
    artist_start: np.ndarray  # first track of each artist
    artist_tracks: np.ndarray  # number of tracks of each artist
    track_artist: np.ndarray
    track_album: np.ndarray
    track_duration_ms: np.ndarray
    track_popularity: np.ndarray  # sums to 1
    genre_tracks: list[np.ndarray]  # tracks of each genre (primary), by popularity, best first
    genre_cdf: list[np.ndarray]  # cumulative popularity over genre_tracks
    genre_artists: list[np.ndarray]  # artists of each genre

    @property
    def n_tracks(self) -> int:
        return len(self.track_artist)

    @property
    def n_artists(self) -> int:
        return len(self.artist_genre)

    @property
    def n_albums(self) -> int:
        return int(self.track_album.max()) + 1 if self.n_tracks else 0


def make_catalog(n_tracks: int, rng: np.random.Generator) -> SyntheticCatalog:
    """Return a catalog of ``n_tracks`` tracks by Zipf-popular artists over 42 genres."""
    from demo.words import GENRE_NAMES

    genre_names = [variant.format(name) for name in GENRE_NAMES for variant in GENRE_VARIANTS]
    n_genres = len(genre_names)
    n_artists = max(1, n_tracks // TRACKS_PER_ARTIST)
    genre_weight = 1.0 / np.arange(1, n_genres + 1) ** 0.7
    genre_weight = rng.permutation(genre_weight / genre_weight.sum())
    artist_genre = rng.choice(n_genres, size=n_artists, p=genre_weight)
    second = rng.integers(0, n_genres, n_artists)
    artist_second_genre = np.where((rng.random(n_artists) < 0.3) & (second != artist_genre), second, -1)
    artist_popularity = 1.0 / rng.permutation(np.arange(1, n_artists + 1)).astype(np.float64)
    artist_popularity /= artist_popularity.sum()
    # Track counts per artist vary (lognormal), at least one each, adding up to n_tracks.
    shares = rng.lognormal(0.0, 0.6, n_artists)
    counts = np.maximum(1, np.floor(shares / shares.sum() * (n_tracks - n_artists)).astype(np.int64) + 1)
    counts[np.argmax(counts)] += n_tracks - counts.sum()
    artist_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    track_artist = np.repeat(np.arange(n_artists), counts)
    position = np.arange(n_tracks) - artist_start[track_artist]
    album_in_artist = position // TRACKS_PER_ALBUM
    albums_per_artist = (counts + TRACKS_PER_ALBUM - 1) // TRACKS_PER_ALBUM
    album_start = np.concatenate([[0], np.cumsum(albums_per_artist)[:-1]])
    track_album = album_start[track_artist] + album_in_artist
    track_popularity = artist_popularity[track_artist] / (1.0 + position) ** 0.8
    track_popularity *= rng.lognormal(0.0, 0.3, n_tracks)
    track_popularity /= track_popularity.sum()
    genre_tracks, genre_cdf, genre_artists = [], [], []
    for genre in range(n_genres):
        tracks = np.flatnonzero(artist_genre[track_artist] == genre)
        tracks = tracks[np.argsort(-track_popularity[tracks], kind="stable")]
        cdf = np.cumsum(track_popularity[tracks])
        genre_tracks.append(tracks)
        genre_cdf.append(cdf / cdf[-1] if len(cdf) else cdf)
        genre_artists.append(np.flatnonzero(artist_genre == genre))
    return SyntheticCatalog(
        genre_names=genre_names,
        artist_genre=artist_genre,
        artist_second_genre=artist_second_genre,
        artist_popularity=artist_popularity,
        artist_start=artist_start,
        artist_tracks=counts,
        track_artist=track_artist,
        track_album=track_album,
        track_duration_ms=rng.normal(225_000, 45_000, n_tracks).clip(90_000, 600_000).astype(np.int64),
        track_popularity=track_popularity,
        genre_tracks=genre_tracks,
        genre_cdf=genre_cdf,
        genre_artists=genre_artists,
    )


@dataclass
class Tastes:
    """Each listener's taste clusters: genres with weights and favourite artists (ragged arrays)."""

    cluster_user: np.ndarray  # owner of each cluster
    cluster_genre: np.ndarray
    cluster_weight: np.ndarray  # sums to 1 per user
    favourite_user: np.ndarray  # owner of each favourite artist
    favourite_artist: np.ndarray
    favourite_start: np.ndarray  # first favourite of each user
    favourite_count: np.ndarray
    activity: np.ndarray  # share of all listens, sums to 1


def draw_tastes(n_users: int, catalog: SyntheticCatalog, rng: np.random.Generator) -> Tastes:
    """Draw one to three taste clusters per listener, 3-8 favourite artists in each, and activity."""
    n_genres = len(catalog.genre_names)
    genre_popularity = (
        np.bincount(catalog.artist_genre, weights=catalog.artist_popularity, minlength=n_genres)
        + 1.0 / n_genres
    )
    genre_popularity /= genre_popularity.sum()
    playable = np.array([len(artists) > 0 for artists in catalog.genre_artists])
    genre_popularity = np.where(playable, genre_popularity, 0.0)
    genre_popularity /= genre_popularity.sum()
    clusters = rng.choice([1, 2, 3], size=n_users, p=[0.3, 0.45, 0.25])
    clusters = np.minimum(clusters, int(playable.sum()))
    cluster_user = np.repeat(np.arange(n_users), clusters)
    cluster_genre = np.empty(len(cluster_user), np.int64)
    cluster_weight = np.empty(len(cluster_user))
    favourite_user, favourite_artist = [], []
    start = 0
    for user, count in enumerate(clusters.tolist()):
        genres = rng.choice(n_genres, size=count, replace=False, p=genre_popularity)
        cluster_genre[start : start + count] = genres
        cluster_weight[start : start + count] = rng.dirichlet(np.full(count, 2.0))
        start += count
        for genre in genres.tolist():
            artists = catalog.genre_artists[genre]
            weights = catalog.artist_popularity[artists] ** 0.6
            chosen = rng.choice(
                artists,
                size=min(len(artists), int(rng.integers(3, 9))),
                replace=False,
                p=weights / weights.sum(),
            )
            favourite_artist.append(chosen)
            favourite_user.append(np.full(len(chosen), user))
    favourite_user = np.concatenate(favourite_user)
    favourite_count = np.bincount(favourite_user, minlength=n_users)
    activity = rng.pareto(2.0, n_users) + 0.2
    return Tastes(
        cluster_user=cluster_user,
        cluster_genre=cluster_genre,
        cluster_weight=cluster_weight,
        favourite_user=favourite_user,
        favourite_artist=np.concatenate(favourite_artist),
        favourite_start=np.concatenate([[0], np.cumsum(favourite_count)[:-1]]),
        favourite_count=favourite_count,
        activity=activity / activity.sum(),
    )


@dataclass
class Events:
    """Plays of a chunk of listeners, sorted by listener then time."""

    user: np.ndarray  # listener index
    track: np.ndarray
    started: np.ndarray  # unix seconds
    ms_played: np.ndarray
    skipped: np.ndarray


def _genre_draws(catalog: SyntheticCatalog, genres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    tracks = np.empty(len(genres), np.int64)
    for genre in np.unique(genres).tolist():
        where = np.flatnonzero(genres == genre)
        cdf = catalog.genre_cdf[genre]
        picks = np.minimum(np.searchsorted(cdf, rng.random(len(where))), len(cdf) - 1)
        tracks[where] = catalog.genre_tracks[genre][picks]
    return tracks


def _pick_cluster(tastes: Tastes, users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return a taste cluster per event of ``users``, by the clusters' weights."""
    starts = np.searchsorted(tastes.cluster_user, users, side="left")
    counts = np.searchsorted(tastes.cluster_user, users, side="right") - starts
    cumulative = np.cumsum(tastes.cluster_weight)
    before = np.where(starts > 0, cumulative[np.maximum(starts - 1, 0)], 0.0)
    target = before + rng.random(len(users)) * (cumulative[starts + counts - 1] - before)
    return np.minimum(np.searchsorted(cumulative, target, side="right"), starts + counts - 1)


def simulate_events(
    users: np.ndarray,
    listens: np.ndarray,
    catalog: SyntheticCatalog,
    tastes: Tastes,
    rng: np.random.Generator,
    *,
    end: float,
) -> Events:
    """Return the plays of ``users`` (listener indices), ``listens[i]`` counted ones for user i."""
    owner = np.repeat(users, listens)
    n = len(owner)
    source = rng.choice(3, size=n, p=LISTEN_SOURCES)
    tracks = np.empty(n, np.int64)
    favourite = np.flatnonzero(source == 0)
    if len(favourite):
        who = owner[favourite]
        slot = tastes.favourite_start[who] + (rng.random(len(who)) * tastes.favourite_count[who]).astype(
            np.int64
        )
        artist = tastes.favourite_artist[slot]
        # An artist's hits (its first tracks) are played most.
        offset = np.floor(catalog.artist_tracks[artist] * rng.random(len(who)) ** 2.5).astype(np.int64)
        tracks[favourite] = catalog.artist_start[artist] + offset
    in_genre = np.flatnonzero(source == 1)
    if len(in_genre):
        cluster = _pick_cluster(tastes, owner[in_genre], rng)
        tracks[in_genre] = _genre_draws(catalog, tastes.cluster_genre[cluster], rng)
    explore = np.flatnonzero(source == 2)
    cdf = np.cumsum(catalog.track_popularity)
    tracks[explore] = np.minimum(
        np.searchsorted(cdf, rng.random(len(explore)) * cdf[-1]), catalog.n_tracks - 1
    )
    # Skips: extra plays, mostly of tracks outside the listener's taste.
    skip_counts = rng.binomial(listens, SKIP_SHARE / (1 - SKIP_SHARE))
    skip_owner = np.repeat(users, skip_counts)
    skip_tracks = np.minimum(
        np.searchsorted(cdf, rng.random(len(skip_owner)) * cdf[-1]), catalog.n_tracks - 1
    )
    in_taste = rng.random(len(skip_owner)) < 0.3
    if in_taste.any():
        cluster = _pick_cluster(tastes, skip_owner[in_taste], rng)
        skip_tracks[in_taste] = _genre_draws(catalog, tastes.cluster_genre[cluster], rng)
    owner = np.concatenate([owner, skip_owner])
    tracks = np.concatenate([tracks, skip_tracks])
    skipped = np.concatenate([np.zeros(n, bool), np.ones(len(skip_owner), bool)])
    # Each listener listens over a stretch of the last DAYS days, at times spread over it.
    first_day = rng.uniform(0, DAYS * 0.8, len(users))
    lookup = np.searchsorted(users, owner)
    started = end - (DAYS - first_day[lookup] - rng.random(len(owner)) * (DAYS - first_day[lookup])) * 86_400
    duration = catalog.track_duration_ms[tracks]
    full = rng.random(len(owner)) < 0.85
    ms_played = np.where(
        skipped,
        rng.uniform(2_000, 30_000, len(owner)),
        np.where(full, duration, duration * rng.uniform(0.55, 1.0, len(owner))),
    ).astype(np.int64)
    order = np.lexsort((started, owner))
    return Events(owner[order], tracks[order], started[order], ms_played[order], skipped[order])


def split_listens(total: int, activity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return listens per listener adding up to ``total``, by activity, at least one each."""
    n = len(activity)
    if total < n:
        raise ValueError(f"--listens ({total:,}) must be at least --users ({n:,})")
    return 1 + rng.multinomial(total - n, activity)


# -- writing it to the database -------------------------------------------------------------------


@dataclass
class GeneratedData:
    users: int
    tracks: int
    artists: int
    albums: int
    plays: int
    listens: int
    likes: int
    seconds: float

    @property
    def line(self) -> str:
        return (
            f"{self.users:,} listeners, {self.tracks:,} tracks ({self.artists:,} artists, {self.albums:,} "
            f"albums), {self.plays:,} plays, {self.listens:,} listens, {self.likes:,} likes "
            f"in {self.seconds:.0f} s"
        )


def _timestamps(seconds: np.ndarray, suffix: str) -> list[str]:
    stamps = np.datetime_as_string((np.asarray(seconds) * 1e6).astype("datetime64[us]"), unit="us")
    return [stamp.replace("T", " ") + suffix for stamp in stamps.tolist()]


def _insert(model, fields: list[str], rows) -> int:
    from streamapp import bulk

    columns = [model._meta.get_field(name).column for name in fields]
    return bulk.insert_rows(model._meta.db_table, columns, rows, adapt=False)


def _write_catalog(catalog: SyntheticCatalog, now_text: str) -> dict:
    """Insert genres, artists, albums, tracks and track genres; return the id arrays."""
    from catalog.models import Album, Artist, Genre, Track
    from streamapp import bulk

    genre_base, artist_base = bulk.next_id(Genre._meta.db_table), bulk.next_id(Artist._meta.db_table)
    album_base, track_base = bulk.next_id(Album._meta.db_table), bulk.next_id(Track._meta.db_table)
    genre_ids = genre_base + np.arange(len(catalog.genre_names))
    _insert(
        Genre,
        ["id", "name", "slug"],
        ((int(gid), name, Genre.slug_for(name)) for gid, name in zip(genre_ids, catalog.genre_names)),
    )
    artist_ids = artist_base + np.arange(catalog.n_artists)
    _insert(
        Artist,
        ["id", "name", "sort_name", "name_key", "mbid", "created_at", "updated_at"],
        (
            (aid, f"Bench Artist {i}", "", f"bench artist {i}", None, now_text, now_text)
            for i, aid in enumerate(artist_ids.tolist())
        ),
    )
    album_artist = np.zeros(catalog.n_albums, np.int64)
    album_artist[catalog.track_album] = catalog.track_artist
    album_ids = album_base + np.arange(catalog.n_albums)
    _insert(
        Album,
        ["id", "title", "title_key", "artist", "release_year", "album_type", "cover", "cover_checksum",
         "mbid", "created_at", "updated_at"],
        (
            (bid, f"Bench Album {i}", f"bench album {i}", artist, 2000 + i % 25, "album", "", "", None,
             now_text, now_text)
            for i, (bid, artist) in enumerate(zip(album_ids.tolist(), artist_ids[album_artist].tolist()))
        ),
    )  # fmt: skip
    track_ids = track_base + np.arange(catalog.n_tracks)
    number = np.arange(catalog.n_tracks) - catalog.artist_start[catalog.track_artist]
    _insert(
        Track,
        ["id", "title", "title_key", "album", "artist", "track_number", "disc_number", "duration_ms",
         "mbid", "audio_file", "is_available", "created_at", "updated_at"],
        (
            (tid, f"Bench Track {i}", f"bench track {i}", album, artist, n % TRACKS_PER_ALBUM + 1, 1,
             duration, None, None, True, now_text, now_text)
            for i, (tid, album, artist, n, duration) in enumerate(zip(
                track_ids.tolist(), album_ids[catalog.track_album].tolist(),
                artist_ids[catalog.track_artist].tolist(), number.tolist(),
                catalog.track_duration_ms.tolist(),
            ))
        ),
    )  # fmt: skip
    primary = genre_ids[catalog.artist_genre[catalog.track_artist]]
    second = catalog.artist_second_genre[catalog.track_artist]
    has_second = second >= 0
    pairs = np.concatenate([
        np.column_stack([track_ids, primary]),
        np.column_stack([track_ids[has_second], genre_ids[second[has_second]]]),
    ])  # fmt: skip
    _insert(Track.genres.through, ["track", "genre"], map(tuple, pairs.tolist()))
    for model in (Genre, Artist, Album, Track):
        bulk.reset_sequence(model._meta.db_table)
    return {"artist": artist_ids, "album": album_ids, "track": track_ids}


def _write_users(n_users: int, now_text: str) -> np.ndarray:
    from django.contrib.auth import get_user_model

    from streamapp import bulk

    user_model = get_user_model()
    base = bulk.next_id(user_model._meta.db_table)
    ids = base + np.arange(n_users)
    _insert(
        user_model,
        ["id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
         "is_staff", "is_active", "date_joined", "time_zone"],
        (
            (uid, "!", None, False, f"{USERNAME_PREFIX}{uid}", "", "",
             f"{USERNAME_PREFIX}{uid}@bench.invalid", False, True, now_text, "UTC")
            for uid in ids.tolist()
        ),
    )  # fmt: skip
    bulk.reset_sequence(user_model._meta.db_table)
    return ids


def _copy(model, fields: list[str], rows) -> int:
    """Insert rows of plain values (no commas, quotes or newlines in them) into the model's table.

    On PostgreSQL it is one COPY per 200,000 rows formatted with one ``str.format`` each:
    ``bulk.insert_rows`` formats each value in Python (about 17 us a row, six minutes for the
    22 million plays and listens of the 10M-listen run), which is fine for the catalog but not
    for the history. Elsewhere (SQLite, in tests) it is ``bulk.insert_rows``.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return _insert(model, fields, rows)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    template = ",".join(["{}"] * len(fields))
    written = 0
    with connection.cursor() as cursor:
        for chunk in itertools.batched(rows, 200_000):
            text = "\n".join(template.format(*row) for row in chunk)
            cursor.cursor.copy_expert(sql, io.StringIO(text + "\n"))
            written += len(chunk)
    return written


def _without_foreign_key_checks() -> None:
    """Skip the per-row foreign key triggers for the rest of the transaction (PostgreSQL superuser).

    The generated rows only name rows inserted before them; the checks would double the load time.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


PLAY_FIELDS = ["id", "user", "track", "play_id", "started_at", "ms_played", "ended_at", "skipped", "source",
               "context_type", "context_id", "time_to_first_audio_ms", "stall_count", "stall_ms",
               "error_count", "last_error", "updated_at"]  # fmt: skip
LISTEN_FIELDS = ["id", "user", "track", "listened_at", "ms_played", "skipped", "source", "context_type",
                 "context_id", "play", "artist_name", "track_name", "release_name", "recording_mbid",
                 "additional_info", "dedupe_key", "inserted_at"]  # fmt: skip


def _write_history(events: Events, ids: dict, user_ids: np.ndarray, now_text: str, suffix: str) -> tuple:
    """Insert the chunk's plays, the listens of those not skipped, and likes; return the counts."""
    from django.db import connection, transaction

    from listening.models import Listen, Play, TrackLike
    from streamapp import bulk

    null = "\\N" if connection.vendor == "postgresql" else None
    with transaction.atomic():
        _without_foreign_key_checks()
        play_base, listen_base = bulk.next_id(Play._meta.db_table), bulk.next_id(Listen._meta.db_table)
        n = len(events.user)
        play_ids = (play_base + np.arange(n)).tolist()
        users = user_ids[events.user].tolist()
        tracks = ids["track"][events.track].tolist()
        started = _timestamps(events.started, suffix)
        ended = _timestamps(events.started + events.ms_played / 1000, suffix)
        ms, skipped = events.ms_played.tolist(), events.skipped.tolist()
        plays = _copy(
            Play,
            PLAY_FIELDS,
            (
                (pid, users[i], tracks[i], f"00000000-0000-4000-8000-{pid:012x}", started[i], ms[i], ended[i],
                 skipped[i], "web", "", "", null, 0, 0, 0, "", now_text)
                for i, pid in enumerate(play_ids)
            ),
        )  # fmt: skip
        counted = np.flatnonzero(~events.skipped).tolist()
        listens = _copy(
            Listen,
            LISTEN_FIELDS,
            (
                (listen_base + j, users[i], tracks[i], started[i], ms[i], False, "web", "", "", play_ids[i],
                 "", "", "", null, "{}", f"bench:{play_ids[i]}", now_text)
                for j, i in enumerate(counted)
            ),
        )  # fmt: skip
        # Likes: a few of each listener's most played tracks.
        n_tracks = np.int64(ids["track"].size)
        played = events.user[~events.skipped] * n_tracks + events.track[~events.skipped]
        pairs, counts = np.unique(played, return_counts=True)
        pair_user = pairs // n_tracks
        order = np.lexsort((-counts, pair_user))
        pairs, pair_user = pairs[order], pair_user[order]
        rank = np.arange(len(pairs)) - np.searchsorted(pair_user, pair_user)
        per_user = np.bincount(pair_user)[pair_user]
        liked = pairs[rank < np.maximum(1, (per_user * LIKE_SHARE).astype(np.int64))]
        likes = _copy(
            TrackLike,
            ["user", "track", "created_at"],
            zip(
                user_ids[liked // n_tracks].tolist(),
                ids["track"][liked % n_tracks].tolist(),
                itertools.repeat(now_text),
            ),
        )
    return plays, listens, likes


def generate(
    *, users: int, tracks: int, listens: int, seed: int = 0, progress=None, chunk: int = USERS_PER_CHUNK
) -> GeneratedData:
    """Fill the (empty) database with the synthetic catalog, listeners and history.

    ``progress(n)`` is called with the listens written after each chunk of listeners.
    """
    from django.db import connection

    from listening.models import Listen, Play, TrackLike
    from streamapp import bulk

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    catalog = make_catalog(tracks, rng)
    tastes = draw_tastes(users, catalog, rng)
    per_user = split_listens(listens, tastes.activity, rng)
    suffix = "+00:00" if connection.vendor == "postgresql" else ""
    now = time.time()
    now_text = _timestamps(np.array([now]), suffix)[0]
    ids = _write_catalog(catalog, now_text)
    user_ids = _write_users(users, now_text)
    plays = written = likes = 0
    for start in range(0, users, chunk):
        members = np.arange(start, min(users, start + chunk))
        events = simulate_events(members, per_user[members], catalog, tastes, rng, end=now - 3600)
        counts = _write_history(events, ids, user_ids, now_text, suffix)
        plays, written, likes = plays + counts[0], written + counts[1], likes + counts[2]
        if progress:
            progress(counts[1])
    for model in (Play, Listen, TrackLike):
        bulk.reset_sequence(model._meta.db_table)
    return GeneratedData(
        users=users,
        tracks=catalog.n_tracks,
        artists=catalog.n_artists,
        albums=catalog.n_albums,
        plays=plays,
        listens=written,
        likes=likes,
        seconds=time.perf_counter() - started,
    )


# -- the nightly run, in a child process ----------------------------------------------------------


def _peak_mb() -> float:
    """Return this process's peak resident memory so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """Return the CPU time (user + system) of this process and its waited-for children so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _database_cpu_seconds() -> tuple[int, float] | None:
    """Return (backend pid, CPU seconds) of the PostgreSQL backend serving this process's
    connection, when the server runs on this machine (read from /proc), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Stages:
    """Time consecutive stages (wall, CPU and database CPU seconds) and print each as a JSON line."""

    def __init__(self):
        self.name = None
        self.started = self._clocks()

    @staticmethod
    def _clocks() -> tuple:
        return time.perf_counter(), _cpu_seconds(), _database_cpu_seconds()

    def start(self, name: str) -> None:
        self.end()
        self.name, self.clocks = name, self._clocks()

    def _emit(self, name: str, since: tuple, **extra) -> None:
        now = self._clocks()
        # Only when the same backend served the whole stage (a reconnection starts a new one).
        if now[2] is not None and since[2] is not None and now[2][0] == since[2][0]:
            extra = {"db_cpu_s": round(now[2][1] - since[2][1], 1), **extra}
        _report(name, now[0] - since[0], now[1] - since[1], **extra)

    def end(self, **extra) -> None:
        if self.name is not None:
            self._emit(self.name, self.clocks, **extra)
        self.name = None

    def total(self, name: str, **extra) -> None:
        self.end()
        self._emit(name, self.started, **extra)


def _report(stage: str, seconds: float, cpu_seconds: float | None = None, **extra) -> None:
    line = {"stage": stage, "seconds": round(seconds, 2), "peak_mb": round(_peak_mb())}
    if cpu_seconds is not None:
        line["cpu_s"] = round(cpu_seconds, 1)
    print(json.dumps({**line, **extra}), flush=True)


def run_nightly(engine_only: bool) -> None:
    """Run the nightly rebuild (or the engine's part of it) and report each stage as a JSON line."""
    workflow = None
    if not engine_only:
        try:
            from recommend.services import workflow
        except ImportError:
            workflow = None
    if workflow is None or not hasattr(workflow, "run_sync"):
        run_engine_only()
        return
    from tqdm import tqdm

    stages, bar, current = _Stages(), None, None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar, current
        if stage != current:
            current = stage
            stages.start(f"run_sync: {stage}")
            if stage == "generate":
                bar = tqdm(total=total, desc="Generating playlists", unit="listener", file=sys.stderr)
        if bar is not None:
            bar.update(done - bar.n)

    run = workflow.run_sync(progress=progress)
    if bar is not None:
        bar.close()
    stages.end()
    timings = getattr(run, "stage_timings", None) or {}
    order = getattr(run, "timings_in_order", None)
    for stage, seconds in order() if order else timings.items():
        if isinstance(seconds, int | float) and not stage.endswith("_cpu"):
            # The run's own CPU seconds of the stage when it records them (generate: the chunks').
            cpu = timings.get(f"{stage}_cpu")
            _report(f"  of which {stage}", float(seconds), float(cpu) if cpu is not None else None)
    stages.total(
        "total (run_sync)",
        status=str(getattr(run, "status", "")),
        listeners=int(getattr(run, "listeners", 0) or 0),
        playlists=int(getattr(run, "playlists", 0) or 0),
    )
    if getattr(run, "error", ""):
        print(f"run error: {run.error[:2000]}", flush=True)


def run_engine_only() -> None:
    """Read the history (bulk COPY), build the matrix, train the production model, score everyone."""
    from recommend.engine import benchmark, production
    from recommend.engine.data import build_interactions
    from recommend.services import training

    stages = _Stages()
    stages.start("read history")
    data = training.load_training_data()
    stages.end(events=len(data.events))

    stages.start("build matrix")
    preset = production.PRODUCTION_PRESET
    interactions = build_interactions(
        data.events,
        likes=data.likes,
        dislikes=data.dislikes,
        user_ids=data.user_ids,
        item_ids=data.tracks["item_id"].to_numpy(),
        weighting=preset.weighting,
        now=data.reference_time,
    )
    features = benchmark.streamapp_item_features(training._items_frame(data))
    del data
    stages.end(nnz=int(interactions.matrix.nnz))

    model = production.production_model()
    for name, component in getattr(model, "components", {model.name: model}).items():
        stages.start(f"train {name}")
        component.fit(interactions, features)
    model.fit(interactions, features, refit=False)
    stages.end()

    stages.start("score all listeners")
    candidates = production.production_candidates(interactions)
    users = np.arange(interactions.n_users)
    items, _ = model.recommend(users, n=preset.list_length, candidates=candidates)
    stages.end(listeners=len(users), candidates=len(candidates), filled=round(float((items >= 0).mean()), 3))
    stages.total("total (engine only)")


# -- the command ----------------------------------------------------------------------------------



def bench_database_url(database: str) -> str:
    return support.bench_database_url(database, script="rebuild.py")


def _admin_connection(url: str):
    import psycopg2

    parts = urlsplit(url)
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password,
        dbname="postgres",
    )  # fmt: skip
    admin.autocommit = True
    return admin, parts.path.lstrip("/")


def recreate_database(url: str) -> None:
    admin, name = _admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def drop_database(url: str) -> None:
    admin, name = _admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamapp.settings.local")
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--tracks", type=int, default=200_000)
    parser.add_argument("--listens", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="database name on the server")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time the run on the kept database, no new data")
    parser.add_argument("--engine-only", action="store_true", help="time the engine alone, not run_sync")
    parser.add_argument(
        "--data-only", action="store_true", help="generate the data and stop (implies --keep; then --reuse)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.keep = args.keep or args.data_only
    for name in ("users", "tracks", "listens"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.listens < args.users:
        parser.error(f"--listens ({args.listens:,}) must be at least --users ({args.users:,})")
    return args


def expire_stale_locks() -> None:
    """Let the next run take over the lock of an earlier bench run that was stopped half-way.

    Only in the bench's own database; the lock's own expiry rule then marks that run failed.
    """
    try:
        from recommend.models import RunLock
    except ImportError:
        return
    from django.utils import timezone

    expired = RunLock.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    if expired:
        print(f"expired {expired} rebuild lock(s) left by an earlier, stopped run in this bench database")


def print_stage(stage: dict) -> None:
    extra = {k: v for k, v in stage.items() if k not in ("stage", "seconds", "peak_mb")}
    cpu, database_cpu = extra.pop("cpu_s", None), extra.pop("db_cpu_s", None)
    shown = ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in extra.items())
    if database_cpu is not None:
        shown = f"database cpu {database_cpu:7.1f} s   {shown}"
    if cpu is not None:
        shown = f"cpu {cpu:7.1f} s   {shown}"
    print(
        f"  {stage['stage']:<24} {stage['seconds']:8.1f} s   peak {stage['peak_mb']:6,.0f} MB   {shown}",
        flush=True,
    )


def main() -> None:
    args = parse_args()
    url = bench_database_url(args.database)
    if args.child:
        setup_django(url)
        run_nightly(args.engine_only)
        return
    if not args.reuse:
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from tqdm import tqdm

    try:
        call_command("migrate", verbosity=0, interactive=False)
        if args.reuse:
            expire_stale_locks()
        else:
            with tqdm(total=args.listens, desc="Generating", unit="listen", unit_scale=True) as bar:
                data = generate(
                    users=args.users,
                    tracks=args.tracks,
                    listens=args.listens,
                    seed=args.seed,
                    progress=bar.update,
                )
            print(f"data: {data.line}", flush=True)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")  # as autovacuum would after a big load
            if args.data_only:
                return
        connection.close()
        command = [sys.executable, __file__, "--child", "--database", args.database]
        if args.engine_only:
            command.append("--engine-only")
        if args.reuse:  # the kept database's own sizes, whatever the options say
            from django.contrib.auth import get_user_model

            from catalog.models import Track
            from listening.models import Listen

            args.users = get_user_model().objects.filter(username__startswith=USERNAME_PREFIX).count()
            args.tracks, args.listens = Track.objects.count(), Listen.objects.count()
            connection.close()
        print(f"nightly run, {args.users:,} listeners / {args.tracks:,} tracks / {args.listens:,} listens:")
        started = time.perf_counter()
        # The child's stage lines are shown as they come; its stderr (errors, progress) passes through.
        with subprocess.Popen(command, env=os.environ, stdout=subprocess.PIPE, text=True) as child:
            for line in child.stdout:
                if line.startswith("{"):
                    print_stage(json.loads(line))
                else:
                    print(line, end="", flush=True)
        wall = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if child.returncode != 0:
            sys.exit(f"the nightly run failed (exit {child.returncode})")
        print(
            f"rebuild: {args.listens:,} listens, {wall:.1f} s wall, peak memory {peak_mb:,.0f} MB "
            f"(the run's process and children; PostgreSQL's own memory not counted)"
        )
    finally:
        connection.close()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
