"""Synthetic listeners for the demo: stable tastes, daily habits, skips, likes, playlists and history.

Each listener draws everything from its own random generator seeded by (seed, index), so the same
seed always gives the same listener, and raising the number of listeners keeps the earlier ones.
"""

import datetime as dt
import hashlib
import zlib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from catalog.models import Track
from listening.models import AlbumLike, ArtistLike, Listen, Play, Playlist, PlaylistTrack, TrackLike
from listening.rules import CAP_MS, MIN_TRACK_MS
from listening.transcoding import choose_stream
from streamapp import bulk

LISTENER_PREFIX = "listener"
LISTENERS_PER_TRANSACTION = 25
TIME_ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
]
# Hours (local time) around which listeners cluster their sessions.
HABITS = {
    "morning": [7.5],
    "commute": [8.0, 17.5],
    "daytime": [11.0, 15.0],
    "evening": [20.0],
    "night": [23.5],
}
CONTEXTS_OUTSIDE_ALBUMS = ["playlist", "likes", "artist", "search", "radio"]


@dataclass
class CatalogArrays:
    """The catalog as arrays, tracks in album order (so track i+1 follows track i on its album)."""

    ids: np.ndarray
    artist: np.ndarray  # artist index per track
    album: np.ndarray  # album index per track
    genre: np.ndarray  # first genre's index per track (-1: none)
    duration_ms: np.ndarray
    popularity: np.ndarray  # relative, sums to 1
    artist_ids: np.ndarray
    album_ids: np.ndarray
    titles: list[str]
    artist_names: list[str]
    album_titles: list[str]
    mbids: list
    genre_tracks: list[np.ndarray]
    artist_tracks: list[np.ndarray]
    album_end: np.ndarray  # index of the last track of each track's album


def load_catalog(*, seed: int) -> CatalogArrays:
    """Read the playable catalog into arrays (3 queries)."""
    rows = list(
        Track.objects.playable()
        .filter(duration_ms__gt=30_000)
        .annotate(first_genre=Min("genres__id"))
        .order_by("album_id", "disc_number", "track_number", "id")
        .values_list(
            "id",
            "artist_id",
            "album_id",
            "first_genre",
            "duration_ms",
            "title",
            "artist__name",
            "album__title",
            "mbid",
        )
    )
    if not rows:
        raise ValueError("The catalog has no playable tracks longer than 30 s: build the demo library first.")
    ids, artist_ids, album_ids, genre_ids, durations, titles, artist_names, album_titles, mbids = zip(*rows)
    artist_uniques, artist = np.unique(np.array(artist_ids), return_inverse=True)
    album_uniques, album = np.unique(np.array(album_ids), return_inverse=True)
    genre_values = np.array([g if g is not None else -1 for g in genre_ids])
    genre_uniques, genre = np.unique(genre_values, return_inverse=True)
    rng = np.random.default_rng([seed, 7919])
    # Artist popularity follows a Zipf-like law; tracks early on an album are a little more played.
    artist_rank = rng.permutation(len(artist_uniques)) + 1
    artist_pop = 1.0 / artist_rank**0.9
    album_start = np.zeros(len(rows), dtype=np.int64)
    album_end = np.zeros(len(rows), dtype=np.int64)
    boundaries = np.flatnonzero(np.diff(album)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(rows)]]) - 1
    for start, end in zip(starts, ends):
        album_start[start : end + 1] = start
        album_end[start : end + 1] = end
    position = np.arange(len(rows)) - album_start
    popularity = artist_pop[artist] * rng.lognormal(0, 0.6, len(rows)) / (1 + 0.15 * position)
    popularity /= popularity.sum()
    return CatalogArrays(
        ids=np.array(ids),
        artist=artist,
        album=album,
        genre=genre,
        duration_ms=np.array(durations),
        popularity=popularity,
        artist_ids=artist_uniques,
        album_ids=album_uniques,
        titles=list(titles),
        artist_names=list(artist_names),
        album_titles=list(album_titles),
        mbids=list(mbids),
        genre_tracks=[np.flatnonzero(genre == g) for g in range(len(genre_uniques))],
        artist_tracks=[np.flatnonzero(artist == a) for a in range(len(artist_uniques))],
        album_end=album_end,
    )


@dataclass
class Taste:
    genres: np.ndarray
    genre_weights: np.ndarray
    artists: np.ndarray
    habit: list[float]
    time_zone: str
    active_probability: float
    sessions_per_day: float
    session_length: float
    skip_rate: float
    album_mode: float


def draw_taste(rng: np.random.Generator, catalog: CatalogArrays) -> Taste:
    """Draw a listener's stable taste and habits."""
    n_genres = len(catalog.genre_tracks)
    k = int(rng.choice([1, 2, 3], p=[0.3, 0.45, 0.25]))
    genres = rng.choice(n_genres, size=min(k, n_genres), replace=False)
    genre_weights = rng.dirichlet(np.full(len(genres), 2.0))
    genre_artists = np.unique(catalog.artist[np.concatenate([catalog.genre_tracks[g] for g in genres])])
    artist_weight = np.array([catalog.popularity[catalog.artist_tracks[a]].sum() for a in genre_artists])
    n_fav = min(len(genre_artists), int(rng.integers(2, 7)))
    artists = rng.choice(genre_artists, size=n_fav, replace=False, p=artist_weight / artist_weight.sum())
    return Taste(
        genres=genres,
        genre_weights=genre_weights,
        artists=artists,
        habit=HABITS[rng.choice(list(HABITS))],
        time_zone=str(rng.choice(TIME_ZONES)),
        active_probability=float(rng.uniform(0.25, 0.9)),
        sessions_per_day=float(rng.uniform(0.3, 1.5)),
        session_length=float(rng.uniform(3, 12)),
        skip_rate=float(rng.beta(2, 6)),
        album_mode=float(rng.uniform(0.1, 0.6)),
    )


def _candidate_pool(rng, catalog: CatalogArrays, taste: Taste) -> tuple[np.ndarray, np.ndarray]:
    parts, weights = [], []
    for genre, share in zip(taste.genres, taste.genre_weights):
        tracks = catalog.genre_tracks[genre]
        if len(tracks) > 3000:
            tracks = rng.choice(
                tracks,
                size=3000,
                replace=False,
                p=catalog.popularity[tracks] / catalog.popularity[tracks].sum(),
            )
        pop = catalog.popularity[tracks]
        parts.append(tracks)
        weights.append(share * 6 * pop / pop.sum())
    for artist in taste.artists:
        tracks = catalog.artist_tracks[artist]
        pop = catalog.popularity[tracks]
        parts.append(tracks)
        weights.append(3 / len(taste.artists) * pop / pop.sum())
    explore = rng.choice(
        len(catalog.ids), size=min(200, len(catalog.ids)), replace=False, p=catalog.popularity
    )
    parts.append(explore)
    weights.append(np.full(len(explore), 0.6 / len(explore)))
    pool, weight = np.concatenate(parts), np.concatenate(weights)
    unique, inverse = np.unique(pool, return_inverse=True)
    summed = np.bincount(inverse, weights=weight)
    return unique, summed / summed.sum()


@dataclass
class History:
    track: np.ndarray  # catalog index
    started: np.ndarray  # unix seconds (float)
    ms_played: np.ndarray
    context_type: list[str]
    context_id: list[str]


def simulate_history(rng, catalog: CatalogArrays, taste: Taste, *, days: int, end: dt.datetime) -> History:
    """Simulate a listener's plays over the last `days` days before `end` (vectorised per listener)."""
    pool, weights = _candidate_pool(rng, catalog, taste)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    zone = zoneinfo.ZoneInfo(taste.time_zone)
    local_end = end.astimezone(zone)
    active_days = [offset for offset in range(days, 0, -1) if rng.random() <= taste.active_probability]
    if not active_days:
        return History(np.array([], dtype=np.int64), np.array([]), np.array([], dtype=np.int64), [], [])
    midnights = np.array([
        dt.datetime.combine((local_end - dt.timedelta(days=n)).date(), dt.time(), tzinfo=zone).timestamp()
        for n in active_days
    ])  # fmt: skip
    sessions_per_day = 1 + rng.poisson(taste.sessions_per_day, len(active_days))
    session_midnight = np.repeat(midnights, sessions_per_day)
    n_sessions = len(session_midnight)
    hours = np.asarray(taste.habit)[rng.integers(0, len(taste.habit), n_sessions)] + rng.normal(
        0, 1.5, n_sessions
    )
    clock = session_midnight + (hours % 24) * 3600
    lengths = 1 + rng.geometric(1 / taste.session_length, n_sessions)
    album_mode = rng.random(n_sessions) < taste.album_mode

    # Each session's tracks: album sessions play on from a first track, the others draw from the pool.
    session_of_play = np.repeat(np.arange(n_sessions), lengths)
    position = np.arange(len(session_of_play)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    drawn = pool[np.minimum(np.searchsorted(cdf, rng.random(len(session_of_play))), len(pool) - 1)]
    first = drawn[np.cumsum(lengths) - lengths]  # the first draw of each session
    album_track = first[session_of_play] + position
    in_album = album_mode[session_of_play]
    tracks = np.where(in_album, album_track, drawn)
    keep = ~in_album | (
        album_track <= catalog.album_end[np.minimum(first[session_of_play], len(catalog.ids) - 1)]
    )
    tracks, session_of_play, in_album = tracks[keep], session_of_play[keep], in_album[keep]

    favourite_artist = np.zeros(len(catalog.artist_ids), dtype=bool)
    favourite_artist[taste.artists] = True
    favourite_genre = np.zeros(len(catalog.genre_tracks), dtype=bool)
    favourite_genre[taste.genres] = True
    affinity = np.where(
        favourite_artist[catalog.artist[tracks]],
        0.5,
        np.where(favourite_genre[catalog.genre[tracks]], 0.9, 2.2),
    )
    count = len(tracks)
    durations = catalog.duration_ms[tracks]
    skipped = rng.random(count) < np.clip(taste.skip_rate * affinity, 0, 0.95)
    full = rng.random(count) < 0.85
    ms = np.where(
        skipped,
        rng.uniform(2_000, np.minimum(30_000, durations * 0.45)),
        np.where(full, durations, rng.uniform(0.5, 1.0, count) * durations),
    ).astype(np.int64)
    # Start times: each play starts after the previous one in its session ended, plus a short gap.
    step = ms / 1000 + rng.uniform(0.2, 2.0, count)
    elapsed = np.cumsum(step) - step
    session_start = np.zeros(n_sessions)
    firsts = np.flatnonzero(np.r_[True, session_of_play[1:] != session_of_play[:-1]])
    session_start[session_of_play[firsts]] = elapsed[firsts]
    started = clock[session_of_play] + elapsed - session_start[session_of_play]

    outside = np.array(CONTEXTS_OUTSIDE_ALBUMS)[rng.integers(0, len(CONTEXTS_OUTSIDE_ALBUMS), n_sessions)]
    album_ids = catalog.album_ids[catalog.album[np.minimum(first, len(catalog.ids) - 1)]]
    context_type = np.where(in_album, "album", outside[session_of_play])
    context_id = np.where(in_album, album_ids[session_of_play].astype(str), "")
    before_end = started < end.timestamp()
    return History(
        track=tracks[before_end],
        started=started[before_end],
        ms_played=ms[before_end],
        context_type=context_type[before_end].tolist(),
        context_id=context_id[before_end].tolist(),
    )


@dataclass
class ListenerSummary:
    listeners: int = 0
    plays: int = 0
    listens: int = 0
    likes: int = 0
    playlists: int = 0


def _dedupe_key(play_hex: str) -> str:
    """Return listening.services.play_dedupe_key of the play with this hex id, without a UUID object."""
    h = play_hex
    text = f"play:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _timestamps(seconds: np.ndarray, suffix: str) -> list[str]:
    """Return UTC timestamps as the database's text form, vectorised (no datetime objects)."""
    stamps = np.datetime_as_string((seconds * 1e6).astype("datetime64[us]"), unit="us")
    return [stamp.replace("T", " ") + suffix for stamp in stamps.tolist()]


# The qualities the demo's listeners stream at, by the first hex digit of each play's id (16 buckets):
# original 6, high 5, normal 3, low 2.
QUALITY_BY_DIGIT = ["original"] * 6 + ["high"] * 5 + ["normal"] * 3 + ["low"] * 2


def _stream_choices(catalog: "CatalogArrays") -> list[tuple[str, str, int | None]]:
    """Return (quality, format served, kbps) per hex digit, as listening.transcoding picks them for the
    demo's audio (one encoding for the whole library), for browsers that play Opus."""
    track = Track.objects.select_related("audio_file").filter(pk=int(catalog.ids[0])).first()
    audio = track.audio_file if track else None
    if audio is None:
        return [("", "", None)] * 16
    choices = {}
    for quality in set(QUALITY_BY_DIGIT):
        choice = choose_stream(audio, quality=quality, format="opus")
        choices[quality] = (quality, choice.format, choice.bitrate_kbps)
    return [choices[quality] for quality in QUALITY_BY_DIGIT]


def _history_rows(
    rng,
    user_id: int,
    catalog: CatalogArrays,
    history: History,
    play_id_start: int,
    listen_id_start: int,
    now: dt.datetime,
    served: list[tuple[str, str, int | None]],
):
    """Return the Play and Listen rows of a simulated history, ready for bulk.insert_rows(adapt=False)."""
    count = len(history.track)
    suffix = "+00:00" if connection.vendor == "postgresql" else ""
    now_text = _timestamps(np.array([now.timestamp()]), suffix)[0]
    track_ids = catalog.ids[history.track].tolist()
    durations = catalog.duration_ms[history.track]
    ms = history.ms_played
    counted = (durations > MIN_TRACK_MS) & (ms >= np.minimum((durations + 1) // 2, CAP_MS))
    started = _timestamps(history.started, suffix)
    ended = _timestamps(history.started + ms / 1000, suffix)
    raw = rng.bytes(16 * count).hex()
    play_uuids = [raw[i * 32 : i * 32 + 32] for i in range(count)]
    stalls = (rng.random(count) < 0.03).astype(int)
    stall_ms = (stalls * rng.integers(300, 4000, count)).tolist()
    first_audio = rng.lognormal(5.3, 0.5, count).astype(int).tolist()
    stalls, ms_list, counted_list = stalls.tolist(), ms.tolist(), counted.tolist()
    plays = [
        (play_id_start + i, user_id, track_ids[i], play_uuids[i], started[i], ms_list[i], ended[i],
         not counted_list[i], "web", history.context_type[i], history.context_id[i], first_audio[i],
         stalls[i], stall_ms[i], 0, "", now_text, *served[int(play_uuids[i][0], 16)])
        for i in range(count)
    ]  # fmt: skip
    listens = []
    for i in np.flatnonzero(counted).tolist():
        index = history.track[i]
        mbid = catalog.mbids[index]
        listens.append((
            listen_id_start + len(listens), user_id, track_ids[i], started[i], ms_list[i], False, "web",
            history.context_type[i], history.context_id[i], play_id_start + i, catalog.artist_names[index],
            catalog.titles[index], catalog.album_titles[index], mbid.hex if mbid else None, "{}",
            _dedupe_key(play_uuids[i]),
            now_text,
        ))  # fmt: skip
    return plays, listens


PLAY_COLUMNS = [
    "id",
    "user_id",
    "track_id",
    "play_id",
    "started_at",
    "ms_played",
    "ended_at",
    "skipped",
    "source",
    "context_type",
    "context_id",
    "time_to_first_audio_ms",
    "stall_count",
    "stall_ms",
    "error_count",
    "last_error",
    "updated_at",
    "quality",
    "stream_format",
    "stream_bitrate_kbps",
]
LISTEN_COLUMNS = [
    "id",
    "user_id",
    "track_id",
    "listened_at",
    "ms_played",
    "skipped",
    "source",
    "context_type",
    "context_id",
    "play_id",
    "artist_name",
    "track_name",
    "release_name",
    "recording_mbid",
    "additional_info",
    "dedupe_key",
    "inserted_at",
]


def _likes_and_playlists(rng, user, catalog: CatalogArrays, taste: Taste, history: History, summary):
    counted = history.ms_played >= np.minimum(catalog.duration_ms[history.track] // 2, 240_000)
    played, counts = np.unique(history.track[counted], return_counts=True)
    if len(played) == 0:
        return
    order = np.argsort(-counts, kind="stable")
    favourites = played[order]
    liked = favourites[: max(1, int(len(favourites) * rng.uniform(0.03, 0.12)))]
    TrackLike.objects.bulk_create(
        [TrackLike(user=user, track_id=int(catalog.ids[t])) for t in liked], ignore_conflicts=True
    )
    albums = np.unique(catalog.album[liked])[: int(rng.integers(0, 4))]
    AlbumLike.objects.bulk_create(
        [AlbumLike(user=user, album_id=int(catalog.album_ids[a])) for a in albums], ignore_conflicts=True
    )
    artists = taste.artists[: int(rng.integers(0, len(taste.artists) + 1))]
    ArtistLike.objects.bulk_create(
        [ArtistLike(user=user, artist_id=int(catalog.artist_ids[a])) for a in artists], ignore_conflicts=True
    )
    summary.likes += len(liked) + len(albums) + len(artists)
    names = ["On repeat", "Late night", "Workout", "Focus", "Sunday morning", "Road trip", "Favourites"]
    for number in range(int(rng.choice([0, 1, 1, 2, 3]))):
        size = int(min(len(favourites), rng.integers(8, 30)))
        chosen = rng.choice(favourites[: max(size * 2, 1)], size=size, replace=False)
        playlist = Playlist.objects.create(
            owner=user,
            name=str(names[(number + int(rng.integers(0, len(names)))) % len(names)]),
            is_public=bool(rng.random() < 0.3),
            description="",
        )
        PlaylistTrack.objects.bulk_create(
            [
                PlaylistTrack(playlist=playlist, track_id=int(catalog.ids[t]), position=i, added_by=user)
                for i, t in enumerate(chosen)
            ]
        )
        summary.playlists += 1


def seed_listeners(
    *,
    seed: int = 42,
    listeners: int = 300,
    days: int = 90,
    extra_users: list | None = None,
    progress: Callable[[int, int], None] | None = None,
    end: dt.datetime | None = None,
) -> ListenerSummary:
    """Create `listeners` synthetic listeners with their history, likes and playlists.

    Listeners that already have plays are left as they are, so re-running adds nothing, and a
    larger `listeners` only adds the new ones. `extra_users` (e.g. the demo account) get a history
    too when they have none.
    """
    user_model = get_user_model()
    catalog = load_catalog(seed=seed)
    end = (end or timezone.now()).replace(minute=0, second=0, microsecond=0)
    now = timezone.now()
    names = [f"{LISTENER_PREFIX}{index:04d}" for index in range(1, listeners + 1)]
    existing = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    password = make_password(None)  # synthetic listeners can't log in
    user_model.objects.bulk_create(
        [
            user_model(username=name, password=password, email=f"{name}@demo.invalid")
            for name in names
            if name not in existing
        ],
        batch_size=2000,
    )
    users = list(user_model.objects.filter(username__in=names).order_by("username"))
    users += list(extra_users or [])
    with_history = set(Play.objects.filter(user__in=users).values_list("user_id", flat=True).distinct())
    summary = ListenerSummary()
    served = _stream_choices(catalog)
    todo = [(index, user) for index, user in enumerate(users) if user.pk not in with_history]
    # Listeners are written in chunks, one transaction each: fewer commits, same all-or-nothing chunk.
    for chunk_start in range(0, len(todo), LISTENERS_PER_TRANSACTION):
        chunk = todo[chunk_start : chunk_start + LISTENERS_PER_TRANSACTION]
        with transaction.atomic():
            play_id = bulk.next_id(Play._meta.db_table)
            listen_id = bulk.next_id(Listen._meta.db_table)
            plays, listens = [], []
            for index, user in chunk:
                is_listener = user.username.startswith(LISTENER_PREFIX)
                stream = index + 1 if is_listener else zlib.crc32(user.username.encode())
                rng = np.random.default_rng([seed, stream])
                taste = draw_taste(rng, catalog)
                history = simulate_history(rng, catalog, taste, days=days, end=end)
                user_plays, user_listens = _history_rows(
                    rng, user.pk, catalog, history, play_id, listen_id, now, served
                )
                plays += user_plays
                listens += user_listens
                play_id += len(user_plays)
                listen_id += len(user_listens)
                if is_listener:
                    user.time_zone = taste.time_zone
                _likes_and_playlists(rng, user, catalog, taste, history, summary)
            summary.plays += bulk.insert_rows(Play._meta.db_table, PLAY_COLUMNS, plays, adapt=False)
            summary.listens += bulk.insert_rows(Listen._meta.db_table, LISTEN_COLUMNS, listens, adapt=False)
            user_model.objects.bulk_update([user for _, user in chunk], ["time_zone"])
        summary.listeners += len(chunk)
        if progress:
            progress(min(chunk_start + len(chunk), len(todo)), len(todo))
    bulk.reset_sequence(Play._meta.db_table)
    bulk.reset_sequence(Listen._meta.db_table)
    return summary


def demo_listeners_step(run) -> None:
    """seed_demo step: synthetic listeners and the demo account's history (see demo.seed)."""
    listeners = getattr(run, "listeners", 0)
    if listeners <= 0:
        return
    demo_user = get_user_model().objects.filter(username="demo").first()
    bar = run.progress("Simulating listeners", listeners + (1 if demo_user else 0), "listener")
    try:
        summary = seed_listeners(
            seed=run.seed,
            listeners=listeners,
            extra_users=[demo_user] if demo_user else [],
            progress=lambda done, total: bar.update(done - bar.n),
        )
    finally:
        bar.close()
    total_listens = Listen.objects.count()
    run.summary_parts.append(
        f"{get_user_model().objects.filter(username__startswith=LISTENER_PREFIX).count():,} listeners "
        f"with {total_listens:,} listens (+{summary.listens:,} now)"
    )
