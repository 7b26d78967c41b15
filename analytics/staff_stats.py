"""Site-wide figures for the staff dashboard, the staff API and the CSV downloads (reads only).

Every figure covers site days (``settings.TIME_ZONE``) in a ``DateRange``. The ``Daily*`` rollups give
the days before the rollups' watermark day (``RollupState``); a direct count over ``Listen`` and
``Play`` adds what they do not hold: every row of the watermark day and later (the day so far), and
the rows of earlier days inserted after the rollups ran (ids above ``last_listen_id`` /
``last_play_id``: an import). It uses the rollups' conventions (listens and minutes from Listen, a
listen without a duration counting its track's; plays, skips, contexts and quality from Play), so a
figure equals a direct count of the same days.

Each public function runs a fixed number of queries whatever the range or the data. Listener activity
(actives, new listeners, cohorts) is in analytics.staff_activity, which uses the range helpers here.
"""

from __future__ import annotations

import datetime
import heapq
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone

from analytics.models import (
    DailyArtistStats,
    DailyContextStats,
    DailyGenreStats,
    DailyQualityStats,
    DailyTrackStats,
    RollupState,
)
from catalog.models import Artist, Genre, Track
from listening import selectors as listening_selectors
from listening.models import Listen, Play, Playlist

MAX_RANGE_DAYS = 731
TOP_LIMIT = 50
SKIP_LIMIT = 20
COHORT_WEEKS = 12
# Before any listen: the start of "all time", and of the live count when the rollups never ran.
EPOCH = datetime.date(1970, 1, 1)
# Figures read from the rollups are cached until they run again (nightly): a little longer than a day.
ROLLUP_CACHE_SECONDS = 26 * 3600


# ------------------------------------------------------------------------------ days and ranges
def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def site_today() -> datetime.date:
    return timezone.now().astimezone(site_zone()).date()


def day_start(day: datetime.date) -> datetime.datetime:
    """Return the aware instant a site day starts."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=site_zone())


@dataclass(frozen=True)
class DateRange:
    """Site days from ``start`` to ``end``, both included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def last(cls, days: int, *, end: datetime.date | None = None) -> DateRange:
        end = end or site_today()
        return cls(end - datetime.timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=i) for i in range(self.days)]

    def previous(self) -> DateRange:
        """Return the range of the same length just before this one (for trends)."""
        end = self.start - datetime.timedelta(days=1)
        return DateRange(end - datetime.timedelta(days=self.days - 1), end)


@dataclass(frozen=True)
class RollupBounds:
    """What the rollups hold: site days before ``live_from``, listens and plays up to these ids."""

    live_from: datetime.date
    last_listen_id: int = 0
    last_play_id: int = 0


def rollup_bounds() -> RollupBounds:
    """Return the rollups' bounds (every day is live when they never ran)."""
    state = (
        RollupState.objects.filter(name="default", watermark__isnull=False)
        .values("watermark", "last_listen_id", "last_play_id")
        .first()
    )
    if state is None:
        return RollupBounds(EPOCH)
    return RollupBounds(
        state["watermark"].astimezone(site_zone()).date(), state["last_listen_id"], state["last_play_id"]
    )


@dataclass(frozen=True)
class _Split:
    """How a range divides between the rollups and a direct count.

    Rollups give the days before ``bounds.live_from``; the direct count adds every listen and play of the
    days from then on, and the listens and plays of earlier days inserted after the rollups ran.
    """

    range: DateRange
    bounds: RollupBounds

    @property
    def rollup_end(self) -> datetime.date | None:
        end = min(self.range.end, self.bounds.live_from - datetime.timedelta(days=1))
        return end if end >= self.range.start else None

    @property
    def live_start(self) -> datetime.date | None:
        start = max(self.range.start, self.bounds.live_from)
        return start if start <= self.range.end else None

    def rollup_filter(self) -> Q:
        if self.rollup_end is None:
            return Q(pk__in=[])
        return Q(day__gte=self.range.start, day__lte=self.rollup_end)

    def _extra(self, column: str, last_id: int) -> Q:
        end = day_start(self.range.end + datetime.timedelta(days=1))
        extra = Q(pk__in=[])
        if self.live_start is not None:
            extra |= Q(**{f"{column}__gte": day_start(self.live_start), f"{column}__lt": end})
        if self.rollup_end is not None:
            extra |= Q(
                **{
                    "pk__gt": last_id,
                    f"{column}__gte": day_start(self.range.start),
                    f"{column}__lt": day_start(self.rollup_end + datetime.timedelta(days=1)),
                }
            )
        return extra

    def extra_listens(self):
        """Listens of the range that the rollups do not hold."""
        return Listen.objects.filter(self._extra("listened_at", self.bounds.last_listen_id))

    def extra_plays(self):
        """Plays of the range that the rollups do not hold."""
        return Play.objects.filter(self._extra("started_at", self.bounds.last_play_id))


def _bounds_key(bounds: RollupBounds) -> str:
    """Return a cache key part that changes whenever the rollups run."""
    return f"{bounds.live_from}:{bounds.last_listen_id}:{bounds.last_play_id}"


def _split(date_range: DateRange, bounds: RollupBounds | None = None) -> _Split:
    return _Split(date_range, rollup_bounds() if bounds is None else bounds)


def _listen_ms():
    return Coalesce(F("ms_played"), F("track__duration_ms"), Value(0), output_field=IntegerField())


def _site_day(column: str):
    return TruncDate(column, tzinfo=site_zone())


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


# ------------------------------------------------------------------------------ SQL helpers
def _day_number_sql(column: str) -> str:
    """SQL for the number of days from a date parameter to a date column (the parameter comes first)."""
    if connection.vendor == "postgresql":
        return f"({column} - %s::date)"
    return f"CAST(julianday({column}) - julianday(%s) AS INTEGER)"


def _date_param(day: datetime.date):
    return day if connection.vendor == "postgresql" else day.isoformat()


# ------------------------------------------------------------------------------ catalogue items
@dataclass
class ItemRow:
    """Figures of one track, artist or genre over a range, with its listens in the previous range."""

    item_id: int
    name: str
    subtitle: str
    listens: int
    ms_played: int
    plays: int
    skips: int
    previous_listens: int = 0
    url: str = ""

    @property
    def minutes(self) -> float:
        return self.ms_played / 60000

    @property
    def skip_rate(self) -> float | None:
        return 100 * self.skips / self.plays if self.plays else None

    @property
    def change(self) -> float | None:
        """Change in listens against the previous range, in percent (None when it had none: new)."""
        if not self.previous_listens:
            return None
        return 100 * (self.listens - self.previous_listens) / self.previous_listens


_ITEMS = {
    "track": (DailyTrackStats, "track_id"),
    "artist": (DailyArtistStats, "artist_id"),
    "genre": (DailyGenreStats, "genre_id"),
}


def _extra_track_figures(split: _Split) -> tuple[dict[int, list[int]], dict[str, dict[int, list[int]]]]:
    """Return the rows the rollups lack, per track: ({track id: [listens, ms, plays, skips]}, its parents).

    The parents map each track to its artist and genres ({"artist": {track: [artist]}, "genre": {...}}),
    for adding the same rows to artists and genres (3 queries).
    """
    figures: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    parents: dict[str, dict[int, list[int]]] = {"artist": {}, "genre": defaultdict(list)}
    listens = (
        split.extra_listens()
        .filter(track__isnull=False)
        .values_list("track_id", "track__artist_id")
        .annotate(n=Count("id"), ms=Sum(_listen_ms()))
        .order_by()
    )
    for track, artist, count, ms in listens:
        figures[track][0:2] = [count, ms or 0]
        parents["artist"][track] = [artist]
    plays = (
        split.extra_plays()
        .values_list("track_id", "track__artist_id")
        .annotate(n=Count("id"), skips=Count("id", filter=Q(skipped=True)))
        .order_by()
    )
    for track, artist, count, skips in plays:
        figures[track][2:4] = [count, skips]
        parents["artist"][track] = [artist]
    if figures:
        pairs = Track.genres.through.objects.filter(track_id__in=list(figures)).values_list(
            "track_id", "genre_id"
        )
        for track, genre in pairs:
            parents["genre"][track].append(genre)
    return dict(figures), parents


def item_totals(
    *,
    kind: str,
    date_range: DateRange,
    bounds: RollupBounds | None = None,
    extra_tracks: dict[int, list[int]] | None = None,
    parents: dict[str, dict[int, list[int]]] | None = None,
) -> dict[int, dict]:
    """Return {item id: {listens, ms, plays, skips}} over the range for every item with any.

    ``extra_tracks`` and ``parents`` (from _extra_track_figures) may be given when several kinds are wanted
    for the same range: the rows the rollups do not hold are then read once.
    """
    model, column = _ITEMS[kind]
    split = _split(date_range, bounds)
    totals: dict[int, dict] = defaultdict(lambda: {"listens": 0, "ms": 0, "plays": 0, "skips": 0})
    # The rollups' part changes only when they run again: cached under their bounds.
    key = (
        f"analytics:staff-items:v1:{kind}:{split.range.start}:{split.rollup_end}:{_bounds_key(split.bounds)}"
    )
    rows = cache.get(key)
    if rows is None:
        rows = [
            (item, int(listens or 0), int(ms or 0), int(plays or 0), int(skips or 0))
            for item, listens, ms, plays, skips in model.objects.filter(split.rollup_filter())
            .values_list(column)
            .annotate(Sum("listens"), Sum("ms_played"), Sum("plays"), Sum("skips"))
        ]
        cache.set(key, rows, ROLLUP_CACHE_SECONDS)
    for item, listens, ms, plays, skips in rows:
        target = totals[item]
        target["listens"] += listens
        target["ms"] += ms
        target["plays"] += plays
        target["skips"] += skips
    if extra_tracks is None:
        extra_tracks, parents = _extra_track_figures(split)
    for track, (listens, ms, plays, skips) in extra_tracks.items():
        for item in [track] if kind == "track" else parents[kind].get(track, []):
            target = totals[item]
            target["listens"] += listens
            target["ms"] += ms
            target["plays"] += plays
            target["skips"] += skips
    return dict(totals)


def _names(kind: str, ids) -> dict[int, tuple[str, str, str]]:
    """Return {id: (name, subtitle, url)} for items of a kind (one query)."""
    if kind == "track":
        tracks = (
            Track.objects.filter(pk__in=ids).select_related("artist").only("title", "artist__name").order_by()
        )
        return {t.pk: (t.title, t.artist.name, t.get_absolute_url()) for t in tracks}
    if kind == "artist":
        return {a.pk: (a.name, "", a.get_absolute_url()) for a in Artist.objects.filter(pk__in=ids)}
    return {g.pk: (g.name, "", g.get_absolute_url()) for g in Genre.objects.filter(pk__in=ids)}


@dataclass
class Coverage:
    """How much of the catalogue was played in a range, and how concentrated the plays were."""

    played_tracks: int
    catalogue_tracks: int
    plays: int
    top_decile_plays: int
    # % of plays per tenth of the catalogue's tracks, most played first.
    decile_shares: list[float] = field(default_factory=list)

    @property
    def percent_played(self) -> float | None:
        return 100 * self.played_tracks / self.catalogue_tracks if self.catalogue_tracks else None

    @property
    def long_tail_percent(self) -> float | None:
        """Share of plays outside the top 10 % of the catalogue's tracks, in percent."""
        return 100 * (self.plays - self.top_decile_plays) / self.plays if self.plays else None


@dataclass
class ContentOverview:
    range: DateRange
    top_tracks: list[ItemRow]
    top_artists: list[ItemRow]
    top_genres: list[ItemRow]
    skipped_tracks: list[ItemRow]
    genre_skips: list[ItemRow]
    coverage: Coverage
    min_plays: int


def _ranked(totals, limit, key, *, min_plays=0):
    candidates = ((item, row) for item, row in totals.items() if row["plays"] >= min_plays)
    return heapq.nsmallest(limit, candidates, key=lambda pair: (-key(pair[1]), pair[0]))


def _rows(ranked, previous, names) -> list[ItemRow]:
    rows = []
    for item, figures in ranked:
        name, subtitle, url = names.get(item, (f"#{item}", "", ""))
        rows.append(
            ItemRow(
                item_id=item,
                name=name,
                subtitle=subtitle,
                url=url,
                listens=figures["listens"],
                ms_played=figures["ms"],
                plays=figures["plays"],
                skips=figures["skips"],
                previous_listens=previous.get(item, {}).get("listens", 0),
            )
        )
    return rows


def content_overview(
    *,
    date_range: DateRange,
    limit: int = TOP_LIMIT,
    skip_limit: int = SKIP_LIMIT,
    min_plays: int | None = None,
) -> ContentOverview:
    """Return the top tracks, artists and genres (with the previous range's listens), skip rates, coverage.

    Skip rates list the items with at least ``min_plays`` plays (by default 1 per 1,000 plays in the range,
    at least 5), so a track played twice and skipped twice does not lead the list.
    """
    bounds = rollup_bounds()
    previous_range = date_range.previous()
    extra_tracks, parents = _extra_track_figures(_split(date_range, bounds))
    previous_extra_tracks, previous_parents = _extra_track_figures(_split(previous_range, bounds))
    result = {
        kind: item_totals(
            kind=kind, date_range=date_range, bounds=bounds, extra_tracks=extra_tracks, parents=parents
        )
        for kind in ("track", "artist", "genre")
    }
    all_plays = sum(row["plays"] for row in result["track"].values())
    threshold = min_plays if min_plays is not None else max(5, all_plays // 1000)

    def skip_key(row):
        return row["skips"] / row["plays"] if row["plays"] else 0

    def by_listens(row):
        return row["listens"]

    ranked = {
        "track": _ranked(result["track"], limit, by_listens),
        "artist": _ranked(result["artist"], limit, by_listens),
        "genre": _ranked(result["genre"], limit, by_listens),
        "track_skips": _ranked(result["track"], skip_limit, skip_key, min_plays=threshold),
        "genre_skips": _ranked(result["genre"], skip_limit, skip_key, min_plays=threshold),
    }
    rows = {}
    for kind, skip_key_name in (("track", "track_skips"), ("artist", None), ("genre", "genre_skips")):
        ids = {item for item, _ in ranked[kind]}
        if skip_key_name:
            ids |= {item for item, _ in ranked[skip_key_name]}
        previous = item_totals(
            kind=kind,
            date_range=previous_range,
            bounds=bounds,
            extra_tracks=previous_extra_tracks,
            parents=previous_parents,
        )
        names = _names(kind, ids)
        rows[kind] = _rows(ranked[kind], previous, names)
        if skip_key_name:
            rows[skip_key_name] = _rows(ranked[skip_key_name], previous, names)

    catalogue = Track.objects.filter(is_available=True).count()
    play_counts = sorted((row["plays"] for row in result["track"].values() if row["plays"]), reverse=True)
    # Deciles of the whole catalogue, unplayed tracks included (an unavailable track may still be played).
    size = max(catalogue, len(play_counts))
    top_n = math.ceil(size / 10)
    total = sum(play_counts)
    deciles = []
    if total:
        for decile in range(10):
            chunk = play_counts[math.ceil(decile * size / 10) : math.ceil((decile + 1) * size / 10)]
            deciles.append(100 * sum(chunk) / total)
    coverage = Coverage(
        played_tracks=sum(1 for row in result["track"].values() if row["plays"] or row["listens"]),
        catalogue_tracks=catalogue,
        plays=total,
        top_decile_plays=sum(play_counts[:top_n]),
        decile_shares=deciles,
    )
    return ContentOverview(
        range=date_range,
        top_tracks=rows["track"],
        top_artists=rows["artist"],
        top_genres=rows["genre"],
        skipped_tracks=rows["track_skips"],
        genre_skips=rows["genre_skips"],
        coverage=coverage,
        min_plays=threshold,
    )


# ------------------------------------------------------------------------------ generated playlists
CONTEXT_GROUPS = (
    ("discover", "Discover"),
    ("daily_mix", "Daily Mixes"),
    ("radio", "Radio"),
    ("other", "Everything else"),
)


def context_group(context_type: str, kind: str) -> str:
    if context_type == "generated":
        return (
            "discover" if kind == Playlist.Kind.DISCOVER else "daily_mix" if kind == "daily_mix" else "other"
        )
    if context_type == "radio":
        return "radio"
    return "other"


@dataclass
class ContextRow:
    group: str
    label: str
    plays: int = 0
    completions: int = 0
    skips: int = 0
    ms_played: int = 0

    @property
    def completion_rate(self) -> float | None:
        return 100 * self.completions / self.plays if self.plays else None

    @property
    def skip_rate(self) -> float | None:
        return 100 * self.skips / self.plays if self.plays else None

    @property
    def minutes_per_play(self) -> float | None:
        return self.ms_played / 60000 / self.plays if self.plays else None


@dataclass
class ContextOverview:
    range: DateRange
    groups: list[ContextRow]
    by_type: list[ContextRow]  # every context type (and generated kind) on its own
    daily: dict[str, list[int]]  # group -> plays per day of the range


def _live_context_rows(split: _Split):
    """Live plays by (day, context_type, generated playlist kind), as the rollups count them."""
    kinds = Playlist.objects.filter(uid__isnull=False)
    plays = (
        split.extra_plays()
        .annotate(day=_site_day("started_at"))
        .values("day", "context_type", "context_id")
        .annotate(
            plays=Count("id"),
            completions=Count("id", filter=Q(skipped=False)),
            skips=Count("id", filter=Q(skipped=True)),
            ms=Sum("ms_played"),
        )
    )
    rows = list(plays)
    generated_ids = {
        row["context_id"] for row in rows if row["context_type"] == "generated" and row["context_id"]
    }
    kind_of = {}
    if generated_ids:
        valid = []
        for value in generated_ids:
            try:
                valid.append(str(uuid.UUID(value)))
            except ValueError:
                continue
        kind_of = {str(uid): kind for uid, kind in kinds.filter(uid__in=valid).values_list("uid", "kind")}
    for row in rows:
        row["kind"] = kind_of.get(row["context_id"], "") if row["context_type"] == "generated" else ""
    return rows


def context_overview(*, date_range: DateRange) -> ContextOverview:
    """Return plays, completions, skips and minutes from Discover, Daily Mixes, radio and the rest."""
    split = _split(date_range)
    days = date_range.each_day()
    index = {day: i for i, day in enumerate(days)}
    groups = {key: ContextRow(key, label) for key, label in CONTEXT_GROUPS}
    by_type: dict[tuple[str, str], ContextRow] = {}
    daily = {key: [0] * len(days) for key, _ in CONTEXT_GROUPS}

    def add(day, context_type, kind, plays, completions, skips, ms):
        group = context_group(context_type, kind)
        for row in (groups[group], by_type.setdefault((context_type, kind), _type_row(context_type, kind))):
            row.plays += plays
            row.completions += completions
            row.skips += skips
            row.ms_played += ms
        daily[group][index[day]] += plays

    rollup = DailyContextStats.objects.filter(split.rollup_filter()).values_list(
        "day", "context_type", "kind", "plays", "completions", "skips", "ms_played"
    )
    for day, context_type, kind, plays, completions, skips, ms in rollup:
        add(_as_date(day), context_type, kind, plays, completions, skips, ms)
    for row in _live_context_rows(split):
        add(
            _as_date(row["day"]),
            row["context_type"],
            row["kind"],
            row["plays"],
            row["completions"],
            row["skips"],
            row["ms"] or 0,
        )
    ordered_types = sorted(by_type.values(), key=lambda row: (-row.plays, row.label))
    return ContextOverview(range=date_range, groups=list(groups.values()), by_type=ordered_types, daily=daily)


_CONTEXT_LABELS = {
    "": "No context",
    "album": "Album",
    "artist": "Artist",
    "playlist": "Playlist",
    "radio": "Radio",
    "search": "Search",
    "likes": "Liked songs",
    "track": "Track",
    "queue": "Queue",
}


def _type_row(context_type: str, kind: str) -> ContextRow:
    if context_type == "generated":
        label = {"discover": "Discover", "daily_mix": "Daily Mix"}.get(kind, "Generated playlist")
    else:
        label = _CONTEXT_LABELS.get(context_type, context_type.title())
    return ContextRow(f"{context_type}/{kind}", label)


# ------------------------------------------------------------------------------ streaming quality
QUALITY_LABELS = {"low": "Low", "normal": "Normal", "high": "High", "original": "Original"}
QUALITY_ORDER = ["low", "normal", "high", "original", ""]


@dataclass
class QualityRow:
    format: str  # the format served; "all" in the total, the day in the daily rows
    quality: str = ""  # the quality asked for ("" when not reported, or in rows of every quality)
    plays: int = 0
    ttfa_ms_sum: int = 0
    ttfa_count: int = 0
    stall_count: int = 0
    stall_ms: int = 0
    errors: int = 0

    @property
    def label(self) -> str:
        return self.format.upper() if self.format else "Unknown"

    @property
    def quality_label(self) -> str:
        return QUALITY_LABELS.get(self.quality, "Not reported")

    @property
    def ttfa_average(self) -> float | None:
        return self.ttfa_ms_sum / self.ttfa_count if self.ttfa_count else None

    @property
    def stalls_per_100(self) -> float | None:
        return 100 * self.stall_count / self.plays if self.plays else None

    @property
    def stall_ms_per_play(self) -> float | None:
        return self.stall_ms / self.plays if self.plays else None

    @property
    def error_rate(self) -> float | None:
        """Errors per 100 plays."""
        return 100 * self.errors / self.plays if self.plays else None

    def add(self, figures: tuple) -> None:
        plays, ttfa_sum, ttfa_count, stalls, stall_ms, errors = figures
        self.plays += plays
        self.ttfa_ms_sum += ttfa_sum
        self.ttfa_count += ttfa_count
        self.stall_count += stalls
        self.stall_ms += stall_ms
        self.errors += errors


@dataclass
class QualityOverview:
    range: DateRange
    formats: list[QualityRow]  # by format served, every quality together
    qualities: list[QualityRow]  # by quality asked for, every format together (format "")
    combinations: list[QualityRow]  # by quality and format
    total: QualityRow
    daily: list[QualityRow]  # one per day of the range, all formats together (format = the day)


def _quality_figures(date_range: DateRange):
    """Yield (day, quality, format served, (plays, ttfa sum, ttfa count, stalls, stall ms, errors)) from
    the rollup and from the plays it does not hold yet."""
    split = _split(date_range)
    rollup = DailyQualityStats.objects.filter(split.rollup_filter()).values_list(
        "day", "quality", "format", "plays", "ttfa_ms_sum", "ttfa_count", "stall_count", "stall_ms", "errors"
    )
    for row in rollup:
        yield _as_date(row[0]), row[1], row[2], row[3:]
    served = Coalesce(NullIf(F("stream_format"), Value("")), F("track__audio_file__format"), Value(""))
    live = (
        split.extra_plays()
        .annotate(day=_site_day("started_at"), fmt=served)
        .values("day", "quality", "fmt")
        .annotate(
            plays=Count("id"),
            ttfa_sum=Coalesce(Sum("time_to_first_audio_ms"), Value(0)),
            ttfa_count=Count("time_to_first_audio_ms"),
            stalls=Sum("stall_count"),
            stall_ms=Sum("stall_ms"),
            errors=Sum("error_count"),
        )
    )
    for row in live:
        figures = (row["plays"], row["ttfa_sum"] or 0, row["ttfa_count"])
        figures += (row["stalls"] or 0, row["stall_ms"] or 0, row["errors"] or 0)
        yield _as_date(row["day"]), row["quality"], row["fmt"], figures


def quality_overview(*, date_range: DateRange) -> QualityOverview:
    """Return time to first audio, stalls and errors by format served, by quality asked for, by both,
    and per day."""
    days = date_range.each_day()
    formats: dict[str, QualityRow] = {}
    qualities: dict[str, QualityRow] = {}
    combinations: dict[tuple[str, str], QualityRow] = {}
    daily = {day: QualityRow(day.isoformat()) for day in days}
    total = QualityRow("all")
    for day, quality, fmt, figures in _quality_figures(date_range):
        fmt, quality = fmt or "", quality or ""
        for row in (
            formats.setdefault(fmt, QualityRow(fmt)),
            qualities.setdefault(quality, QualityRow("", quality)),
            combinations.setdefault((quality, fmt), QualityRow(fmt, quality)),
            daily[day],
            total,
        ):
            row.add(figures)

    def quality_rank(row: QualityRow) -> int:
        return QUALITY_ORDER.index(row.quality) if row.quality in QUALITY_ORDER else len(QUALITY_ORDER)

    return QualityOverview(
        range=date_range,
        formats=sorted(formats.values(), key=lambda row: (-row.plays, row.format)),
        qualities=sorted(qualities.values(), key=quality_rank),
        combinations=sorted(
            combinations.values(), key=lambda row: (quality_rank(row), -row.plays, row.format)
        ),
        total=total,
        daily=[daily[day] for day in days],
    )


# ------------------------------------------------------------------------------ transcode cache
@dataclass
class TranscodeDayRow:
    day: datetime.date
    requests: int = 0  # transcoded answers: from the cache or by ffmpeg
    cache_hits: int = 0
    cache_misses: int = 0
    bytes_served: int = 0
    errors: int = 0

    @property
    def hit_ratio(self) -> float | None:
        """Cache hits per 100 transcoded answers."""
        return 100 * self.cache_hits / self.requests if self.requests else None


@dataclass
class TranscodeOverview:
    range: DateRange
    days: list[TranscodeDayRow]  # every day of the range, zeros where nothing was transcoded
    total: TranscodeDayRow  # the range's sum (its day is the range's start)
    cache_bytes: int  # the finished transcodes on disk now
    cache_files: int
    failures: list  # the files ffmpeg failed to transcode lately (listening.TranscodeFailure), latest first


def transcode_overview(*, date_range: DateRange, failures: int = 20) -> TranscodeOverview:
    """Return the transcode cache's answers, hits and bytes served per day of the range, its size on disk
    now and the latest transcode failures (2 queries and a walk of the cache directory)."""
    cache = listening_selectors.transcode_cache_overview(date_range=(date_range.start, date_range.end))
    days = {day: TranscodeDayRow(day) for day in date_range.each_day()}
    total = TranscodeDayRow(date_range.start)
    for counted in cache.days:
        row = days.get(counted.day)
        for target in (row, total) if row else (total,):
            target.requests += counted.requests
            target.cache_hits += counted.cache_hits
            target.cache_misses += counted.cache_misses
            target.bytes_served += counted.bytes_served
            target.errors += counted.errors
    return TranscodeOverview(
        range=date_range,
        days=list(days.values()),
        total=total,
        cache_bytes=cache.cache_bytes,
        cache_files=cache.cache_files,
        failures=listening_selectors.transcode_failures_recent(limit=failures),
    )
