"""Bulk reads of listening data into DataFrames: COPY on PostgreSQL, a cursor on SQLite.

Ten million listens go through ``COPY ... TO STDOUT`` into a temporary file and the C CSV parser,
never through millions of Python tuples. Timestamps come back as Unix seconds.
"""

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import connection

from catalog.models import Artist, Genre, Track
from listening.models import Listen, Play, TrackLike
from streamapp import bulk

from ..models import TastePick, TrackDislike

FETCH_ROWS = 50_000


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def epoch(column: str) -> str:
    """Return SQL for a timestamp column as integer Unix seconds."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def read_frame(sql: str, params: Sequence, columns: Sequence[str], dtypes: dict | None = None):
    """Run a SELECT and return its rows as a DataFrame with the given column names and dtypes."""
    import pandas as pd  # heavy, deferred: web workers import this module

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = cursor.mogrify(sql, list(params)).decode()
            with tempfile.TemporaryFile() as buffer:
                cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
                if not buffer.tell():
                    return _empty(columns, dtypes)
                buffer.seek(0)
                return pd.read_csv(buffer, header=None, names=list(columns), dtype=dtypes, na_filter=True)
        cursor.execute(sql, list(params))
        parts = []
        while rows := cursor.fetchmany(FETCH_ROWS):
            parts.append(pd.DataFrame.from_records(rows, columns=list(columns)))
    if not parts:
        return _empty(columns, dtypes)
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype(dtypes) if dtypes else frame


def _empty(columns, dtypes):
    import pandas as pd  # heavy, deferred: web workers import this module

    frame = pd.DataFrame({column: [] for column in columns})
    return frame.astype(dtypes) if dtypes else frame


EVENT_COLUMNS = ["user_id", "item_id", "timestamp", "ms_played", "duration_ms", "skipped"]
# 4-byte ids and durations: ten million events take 25 bytes each.
EVENT_DTYPES = {
    "user_id": "int32",
    "item_id": "int32",
    "timestamp": "float64",
    "ms_played": "float32",
    "duration_ms": "float32",
    "skipped": "bool",
}


def _user_filter(column: str, user_ids: Sequence[int] | None, since: float | None, time_column: str):
    clauses, params = [], []
    if user_ids is not None:
        clauses.append(f"{column} IN ({', '.join(['%s'] * len(user_ids))})")
        params.extend(int(u) for u in user_ids)
    if since is not None:
        # The bare column (not its epoch) so that the (user, time) indexes serve the filter.
        clauses.append(f"{time_column} >= %s")
        params.append(connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(since, tz=UTC)))
    return "".join(f" AND {clause}" for clause in clauses), params


def events_frame(*, user_ids: Sequence[int] | None = None, since: float | None = None):
    """Return listening events (one row per finished play, plus imported listens without a play).

    Columns: user_id, item_id, timestamp (Unix seconds), ms_played (NaN: unknown), duration_ms,
    skipped. ``user_ids`` / ``since`` (Unix seconds) restrict the rows.
    """
    if user_ids is not None and not len(user_ids):
        return _empty(EVENT_COLUMNS, EVENT_DTYPES)
    play, listen, track = _table(Play), _table(Listen), _table(Track)
    play_filter, play_params = _user_filter("p.user_id", user_ids, since, "p.started_at")
    listen_filter, listen_params = _user_filter("l.user_id", user_ids, since, "l.listened_at")
    # An imported listen's own "skipped" flag means "not played to the end" after it already
    # counted as a listen: it is not a skip. Listens made from a play are counted by the play.
    sql = (
        f"SELECT p.user_id, p.track_id, {epoch('p.started_at')}, p.ms_played, t.duration_ms, "  # noqa: S608
        f"CASE WHEN p.skipped THEN 1 ELSE 0 END FROM {play} p JOIN {track} t ON t.id = p.track_id "
        f"WHERE p.skipped IS NOT NULL{play_filter} "
        f"UNION ALL SELECT l.user_id, l.track_id, {epoch('l.listened_at')}, l.ms_played, t.duration_ms, 0 "
        f"FROM {listen} l JOIN {track} t ON t.id = l.track_id WHERE l.play_id IS NULL{listen_filter}"
    )
    dtypes = dict(EVENT_DTYPES, skipped="int8")
    frame = read_frame(sql, play_params + listen_params, EVENT_COLUMNS, dtypes)
    return frame.astype({"skipped": bool})


PAIR_COLUMNS = ["user_id", "item_id", "timestamp"]
PAIR_DTYPES = {"user_id": "int64", "item_id": "int64", "timestamp": "float64"}


def pairs_frame(model, *, user_ids: Sequence[int] | None = None):
    """Return (user_id, item_id, timestamp) rows of a user-track model (TrackLike, TrackDislike)."""
    if user_ids is not None and not len(user_ids):
        return _empty(PAIR_COLUMNS, PAIR_DTYPES)
    where, params = _user_filter("user_id", user_ids, None, "")
    sql = f"SELECT user_id, track_id, {epoch('created_at')} FROM {_table(model)} WHERE 1 = 1{where}"  # noqa: S608
    return read_frame(sql, params, PAIR_COLUMNS, PAIR_DTYPES)


def likes_frame(*, user_ids=None):
    return pairs_frame(TrackLike, user_ids=user_ids)


def dislikes_frame(*, user_ids=None):
    return pairs_frame(TrackDislike, user_ids=user_ids)


def catalog_frames():
    """Return (tracks, track_genres, genres, artists) frames for the whole catalog.

    tracks: item_id, artist_id, album_id, is_available, title; track_genres: item_id, genre_id;
    genres: genre_id, name; artists: artist_id, name.
    """
    tracks = read_frame(
        f"SELECT id, artist_id, album_id, CASE WHEN is_available THEN 1 ELSE 0 END, title "  # noqa: S608
        f"FROM {_table(Track)} ORDER BY id",
        [],
        ["item_id", "artist_id", "album_id", "is_available", "title"],
        {
            "item_id": "int64",
            "artist_id": "int64",
            "album_id": "int64",
            "is_available": "int8",
            "title": "str",
        },
    )
    tracks["is_available"] = tracks["is_available"].astype(bool)
    tracks["title"] = tracks["title"].fillna("")
    through = Track.genres.through
    track_genres = read_frame(
        f"SELECT track_id, genre_id FROM {_table(through)}",  # noqa: S608
        [],
        ["item_id", "genre_id"],
        {"item_id": "int64", "genre_id": "int64"},
    )
    genres = read_frame(
        f"SELECT id, name FROM {_table(Genre)}",  # noqa: S608
        [],
        ["genre_id", "name"],
        {"genre_id": "int64", "name": "str"},
    )
    artists = read_frame(
        f"SELECT id, name FROM {_table(Artist)}",  # noqa: S608
        [],
        ["artist_id", "name"],
        {"artist_id": "int64", "name": "str"},
    )
    artists["name"] = artists["name"].fillna("")
    return tracks, track_genres, genres, artists


def listener_ids() -> list[int]:
    """Return the ids of active users with any listening history or taste picks, ascending."""
    user_table = _table(get_user_model())
    sql = (
        f"SELECT id FROM {user_table} u WHERE u.is_active AND ("  # noqa: S608
        f"EXISTS (SELECT 1 FROM {_table(Play)} p WHERE p.user_id = u.id AND p.skipped IS NOT NULL) "
        f"OR EXISTS (SELECT 1 FROM {_table(Listen)} l WHERE l.user_id = u.id AND l.track_id IS NOT NULL) "
        f"OR EXISTS (SELECT 1 FROM {_table(TrackLike)} k WHERE k.user_id = u.id) "
        f"OR EXISTS (SELECT 1 FROM {_table(TastePick)} t WHERE t.user_id = u.id)) ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def taste_frames(user_ids: Sequence[int]):
    """Return (picked genres, picked artists) frames: user_id, genre_id / user_id, artist_id."""
    int_types = {"user_id": "int64", "genre_id": "int64", "artist_id": "int64"}
    if not len(user_ids):
        return _empty(["user_id", "genre_id"], int_types), _empty(["user_id", "artist_id"], int_types)
    placeholders = ", ".join(["%s"] * len(user_ids))
    params = [int(u) for u in user_ids]
    picks = _table(TastePick)
    out = []
    for field, column in (("genres", "genre_id"), ("artists", "artist_id")):
        through = _table(getattr(TastePick, field).through)
        sql = (
            f"SELECT t.user_id, x.{column} FROM {through} x JOIN {picks} t ON t.id = x.tastepick_id "  # noqa: S608
            f"WHERE t.user_id IN ({placeholders})"
        )
        out.append(read_frame(sql, params, ["user_id", column], {"user_id": "int64", column: "int64"}))
    return tuple(out)


def write_frame(table: str, frame) -> int:
    """Insert a DataFrame's rows into ``table`` (see ``streamapp.bulk.insert_frame``); return the count."""
    return bulk.insert_frame(table, frame)


def update_rows(table: str, key: str, frame) -> int:
    """Set the frame's columns on the rows whose ``key`` matches (see ``streamapp.bulk.update_frame``)."""
    return bulk.update_frame(table, key, frame)
