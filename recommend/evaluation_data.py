"""Read the listening history into the DataFrames the engine evaluates on (the ORM side).

Heavy imports (pandas) stay inside the functions so web workers that import the app start light.
"""

from dataclasses import dataclass

from catalog.models import Track
from listening.models import Listen, Play, TrackLike

CHUNK_ROWS = 20_000


@dataclass
class ListeningFrames:
    """events: user_id, item_id, timestamp, ms_played, duration_ms, skipped (one row per play);
    items: item_id, artist_id, album_id, duration_ms, genre_ids (list); likes: user_id, item_id,
    timestamp."""

    events: "object"
    items: "object"
    likes: "object"


def listening_frames() -> ListeningFrames:
    """Return every finished play, imported listens that have no play, the catalog and the likes."""
    import pandas as pd  # heavy, deferred: web workers import this module

    event_columns = ["user_id", "item_id", "timestamp", "ms_played", "duration_ms", "skipped"]
    plays = (
        Play.objects.filter(skipped__isnull=False)
        .order_by()
        .values_list("user_id", "track_id", "started_at", "ms_played", "track__duration_ms", "skipped")
    )
    imported = (
        Listen.objects.filter(play__isnull=True, track__isnull=False)
        .order_by()
        .values_list("user_id", "track_id", "listened_at", "ms_played", "track__duration_ms", "skipped")
    )
    frames = [
        pd.DataFrame.from_records(query.iterator(chunk_size=CHUNK_ROWS), columns=event_columns)
        for query in (plays, imported)
    ]
    events = pd.concat(frames, ignore_index=True)
    # A listen's own "skipped" means "not played to the end" after it already counted: not a skip.
    events.loc[len(frames[0]) :, "skipped"] = False
    events["skipped"] = events["skipped"].astype(bool)
    events["timestamp"] = pd.to_datetime(events["timestamp"], utc=True)

    items = pd.DataFrame.from_records(
        Track.objects.order_by("id")
        .values_list("id", "artist_id", "album_id", "duration_ms")
        .iterator(chunk_size=CHUNK_ROWS),
        columns=["item_id", "artist_id", "album_id", "duration_ms"],
    )
    genres = pd.DataFrame.from_records(
        Track.genres.through.objects.order_by()
        .values_list("track_id", "genre_id")
        .iterator(chunk_size=CHUNK_ROWS),
        columns=["item_id", "genre_id"],
    )
    genre_lists = genres.groupby("item_id")["genre_id"].agg(list)
    items["genre_ids"] = items["item_id"].map(genre_lists)
    items["genre_ids"] = items["genre_ids"].apply(lambda value: value if isinstance(value, list) else [])

    likes = pd.DataFrame.from_records(
        TrackLike.objects.order_by()
        .values_list("user_id", "track_id", "created_at")
        .iterator(chunk_size=CHUNK_ROWS),
        columns=["user_id", "item_id", "timestamp"],
    )
    likes["timestamp"] = pd.to_datetime(likes["timestamp"], utc=True)
    return ListeningFrames(events=events, items=items, likes=likes)
