"""A listener's own stats (the /stats/ page, the year in review, the API), in their time zone.

Every figure adds two parts that never overlap: the listener rollups (the local days before the
watermark's day, listens with ids up to the watermark's) and a live query for the rest (the day so far,
and anything inserted since the last run). So the figures agree exactly with a direct count of the
listens, and a page reads a few hundred rollup rows instead of the whole history.

Minutes count each listen's own duration, else its track's (``rollups.listen_ms``). Top lists, genres
and discovery count the listens matched to the catalogue; totals, the clock, days and streaks count
every listen.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate, TruncMonth
from django.utils import timezone

from analytics import models, rollups
from catalog.models import Album, Artist, Genre, Track
from listening.models import Listen

RANGES = {"4w": ("Last 4 weeks", 28), "6m": ("Last 6 months", 182), "all": ("All time", None)}
DEFAULT_RANGE = "4w"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GENRE_SHIFT_GENRES = 5


class StatsError(ValueError):
    """A stats request that cannot be answered (an unknown range, a year out of bounds)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field, self.message = field_name, message


@dataclass
class Period:
    """Local days [start, end): None for an open end."""

    start: dt.date | None
    end: dt.date | None

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)


@dataclass
class Ranked:
    """One line of a top list."""

    rank: int
    id: int
    name: str
    listens: int
    ms_played: int
    subtitle: str = ""
    url: str = ""
    mbid: str | None = None
    artist_name: str = ""
    artist_mbid: str | None = None
    release_name: str = ""
    release_mbid: str | None = None

    @property
    def minutes(self) -> int:
        return self.ms_played // 60_000


@dataclass
class Streaks:
    current: int
    longest: int
    longest_start: dt.date | None
    longest_end: dt.date | None


@dataclass
class Discovery:
    """Listens in the period of artists first heard in the period, of all the period's listens."""

    new_artists: int
    artists: int
    new_listens: int
    listens: int

    @property
    def rate(self) -> float | None:
        return self.new_listens / self.listens if self.listens else None


@dataclass
class GenreShift:
    months: list[dt.date]
    # (genre name, share of each month's genre-tagged listens); the last series is "Other" if any.
    series: list[tuple[str, list[float]]]


@dataclass
class ListenerStats:
    user_id: int
    range: str
    range_label: str
    time_zone: str
    today: dt.date
    period: Period
    listens: int
    ms_played: int
    top_artists: list[Ranked]
    top_tracks: list[Ranked]
    top_albums: list[Ranked]
    top_genres: list[Ranked]
    minutes_per_day: list[tuple[dt.date, int]]
    minutes_per_week: list[tuple[dt.date, int]]
    clock: list[list[int]]  # [weekday 0=Monday][hour] -> listens
    discovery: Discovery
    streaks: Streaks
    genre_shift: GenreShift
    active_days: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def minutes(self) -> int:
        return self.ms_played // 60_000

    @property
    def is_empty(self) -> bool:
        return self.listens == 0


# ---------------------------------------------------------------------------------------- the source


class _Source:
    """One listener's rollups plus the live part; loads in a constant number of queries."""

    def __init__(self, *, user, now: dt.datetime | None = None):
        self.user = user
        self.tz = rollups.zone(user.time_zone)
        self.now = now or timezone.now()
        self.today = rollups.local_day(self.now, self.tz)
        state = rollups.rollup_state()
        listener_state = models.ListenerRollupState.objects.filter(user=user).first()
        if state is not None and state.watermark is not None:
            if listener_state is not None and listener_state.time_zone != user.time_zone:
                # Their time zone changed since the last run: rebuild their rollups now, once.
                rollups.listener_rollup_rebuild(user=user)
            self.cutoff: dt.date | None = rollups.local_day(state.watermark, self.tz)
            live = Listen.objects.filter(user=user).filter(
                Q(listened_at__gte=rollups.day_start(self.cutoff, self.tz)) | Q(id__gt=state.last_listen_id)
            )
        else:  # never rolled up: everything is live
            self.cutoff = None
            live = Listen.objects.filter(user=user)
        # The live part, grouped by local day, hour and track (small: mostly the day so far).
        self.live = list(
            live.values(
                d=TruncDate("listened_at", tzinfo=self.tz),
                h=ExtractHour("listened_at", tzinfo=self.tz),
                t=F("track_id"),
                a=F("track__artist_id"),
                al=F("track__album_id"),
            ).annotate(n=Count("id"), ms=Sum(rollups.listen_ms()))
        )
        track_ids = {row["t"] for row in self.live if row["t"] is not None}
        self.live_genres: dict[int, list[int]] = defaultdict(list)
        if track_ids:
            for track_id, genre_id in Track.genres.through.objects.filter(track_id__in=track_ids).values_list(
                "track_id", "genre_id"
            ):
                self.live_genres[track_id].append(genre_id)

    def rollup_days(self, period: Period) -> dict:
        """Return the lookups restricting rollup rows to the period (and to the rolled-up days)."""
        lookup: dict = {"user": self.user}
        if period.start is not None:
            lookup["day__gte"] = period.start
        ends = [day for day in (period.end, self.cutoff) if day is not None]
        if self.cutoff is None:
            lookup["day__lt"] = dt.date.min  # nothing is rolled up yet
        elif ends:
            lookup["day__lt"] = min(ends)
        return lookup

    def live_rows(self, period: Period) -> list[dict]:
        return [row for row in self.live if period.contains(row["d"])]

    def live_counts(self, period: Period, key: str) -> dict[int, list[int]]:
        """Sum the live listens of the period by track ("t"), artist ("a"), album ("al") or genre ("g")."""
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for row in self.live_rows(period):
            keys = self.live_genres.get(row["t"], []) if key == "g" else [row[key]]
            for value in keys:
                if value is not None:
                    counts[value][0] += row["n"]
                    counts[value][1] += row["ms"] or 0
        return counts


_PATHS = {"t": "track_id", "a": "track__artist_id", "al": "track__album_id", "g": "track__genres"}
_MONTHS = {
    "t": (models.ListenerTrackMonth, "track_id"),
    "a": (models.ListenerArtistMonth, "artist_id"),
    "al": (models.ListenerAlbumMonth, "album_id"),
    "g": (models.ListenerGenreMonth, "genre_id"),
}


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _split(source: _Source, period: Period) -> tuple[Q | None, list[tuple[dt.date, dt.date]]]:
    """Split the period's rolled-up days into whole months (month rows) and edge days (day rows).

    Month rows exist for the complete months before the cutoff day's month; the rest of the rolled-up
    days (the cutoff's month so far, and partial months at the period's edges) come from day rows.
    Returns (a filter on the month rows or None, [(first day, end day)]).
    """
    if source.cutoff is None:
        return None, []
    low = period.start
    high = min(period.end, source.cutoff) if period.end else source.cutoff
    if low is not None and low >= high:
        return None, []
    first_whole = (low if low.day == 1 else _next_month(low)) if low else None
    end_whole = min(high, source.cutoff.replace(day=1)).replace(day=1)
    if first_whole is not None and first_whole >= end_whole:
        return None, [(low, high)]
    months = Q(month__lt=end_whole) & (Q(month__gte=first_whole) if first_whole else Q())
    edges = [(low, first_whole)] if low and low < first_whole else []
    if end_whole < high:
        edges.append((end_whole, high))
    return months, edges


def _rolled(source: _Source, period: Period, key: str, *, by_month: bool = False) -> dict:
    """Sum the rolled-up listens of the period by item (track, artist, album or genre) [and month]."""
    totals: dict = defaultdict(lambda: [0, 0])
    months, edges = _split(source, period)
    sums = {"n": Sum("listens"), "ms": Sum("ms_played")}
    if months is not None:
        model, field = _MONTHS[key]
        group = {"k": F(field), **({"m": F("month")} if by_month else {})}
        for row in model.objects.filter(months, user=source.user).values(**group).annotate(**sums):
            entry = totals[(row["m"], row["k"]) if by_month else row["k"]]
            entry[0] += row["n"]
            entry[1] += row["ms"]
    if edges:
        days = Q(pk__in=[])
        for first, end in edges:
            days |= Q(day__gte=first, day__lt=end)
        path = _PATHS[key]
        group = {"k": F(path), **({"m": TruncMonth("day")} if by_month else {})}
        # One filter() call: a second one on a many-to-many path (genres) would join it again.
        rows = models.ListenerTrackDay.objects.filter(days, user=source.user, **{f"{path}__isnull": False})
        for row in rows.values(**group).annotate(**sums):
            entry = totals[(_month(row["m"]), row["k"]) if by_month else row["k"]]
            entry[0] += row["n"]
            entry[1] += row["ms"]
    return totals


def _top(source: _Source, period: Period, key: str, *, limit: int, offset: int = 0):
    """Return ([(id, listens, ms)] ranked offset..offset+limit, how many items) for the period."""
    totals = _rolled(source, period, key)
    for item, (n, ms) in source.live_counts(period, key).items():
        totals[item][0] += n
        totals[item][1] += ms
    ranked = sorted(
        ((item, n, ms) for item, (n, ms) in totals.items() if n),
        key=lambda entry: (-entry[1], -entry[2], entry[0]),
    )
    return ranked[offset : offset + limit], len(ranked)


def _named(kind: str, ranked: list[tuple[int, int, int]], offset: int = 0) -> list[Ranked]:
    """Turn (id, listens, ms) into Ranked lines with names, subtitles and links (one query)."""
    ids = [item for item, _, _ in ranked]
    lines = []
    if kind == "t":
        objects = Track.objects.select_related("artist", "album").in_bulk(ids)
    elif kind == "a":
        objects = Artist.objects.in_bulk(ids)
    elif kind == "al":
        objects = Album.objects.select_related("artist").in_bulk(ids)
    else:
        objects = Genre.objects.in_bulk(ids)
    for position, (item, n, ms) in enumerate(ranked, start=offset + 1):
        obj = objects.get(item)
        if obj is None:
            continue
        line = Ranked(
            rank=position, id=item, name=str(obj), listens=n, ms_played=ms, url=obj.get_absolute_url()
        )
        if kind == "t":
            line.name, line.subtitle = obj.title, obj.artist.name
            line.mbid = str(obj.mbid) if obj.mbid else None
            line.artist_name, line.artist_mbid = obj.artist.name, _mbid(obj.artist.mbid)
            line.release_name, line.release_mbid = obj.album.title, _mbid(obj.album.mbid)
        elif kind == "a":
            line.name, line.mbid = obj.name, _mbid(obj.mbid)
            line.artist_name, line.artist_mbid = obj.name, line.mbid
        elif kind == "al":
            line.name, line.subtitle, line.mbid = obj.title, obj.artist.name, _mbid(obj.mbid)
            line.artist_name, line.artist_mbid = obj.artist.name, _mbid(obj.artist.mbid)
            line.release_name, line.release_mbid = obj.title, line.mbid
        else:
            line.name = obj.name
        lines.append(line)
    return lines


def _mbid(value) -> str | None:
    return str(value) if value else None


# -------------------------------------------------------------------------------------------- figures


def _days(source: _Source) -> dict[dt.date, list[int]]:
    """Every active local day of the listener: day -> [listens, ms] (rollups + live)."""
    days: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for day, n, ms in models.ListenerDayStats.objects.filter(
        **source.rollup_days(Period(None, None))
    ).values_list("day", "listens", "ms_played"):
        days[day] = [n, ms]
    for row in source.live:
        days[row["d"]][0] += row["n"]
        days[row["d"]][1] += row["ms"] or 0
    return days


def _streaks(active: Iterable[dt.date], today: dt.date) -> Streaks:
    """Runs of consecutive active days: the one reaching today (or yesterday) and the longest."""
    longest, longest_start, longest_end = 0, None, None
    run, run_start, previous = 0, None, None
    for day in sorted(active):
        if day > today:
            break
        if previous is not None and day - previous == dt.timedelta(days=1):
            run += 1
        else:
            run, run_start = 1, day
        if run > longest:
            longest, longest_start, longest_end = run, run_start, day
        previous = day
    current = run if previous is not None and today - previous <= dt.timedelta(days=1) else 0
    return Streaks(current=current, longest=longest, longest_start=longest_start, longest_end=longest_end)


def _clock(source: _Source, period: Period) -> list[list[int]]:
    clock = [[0] * 24 for _ in WEEKDAYS]
    for row in (
        models.ListenerHourStats.objects.filter(**source.rollup_days(period))
        .values("hour", w=ExtractIsoWeekDay("day"))
        .annotate(n=Sum("listens"))
    ):
        clock[row["w"] - 1][row["hour"]] += row["n"]
    for row in source.live_rows(period):
        clock[row["d"].isoweekday() - 1][row["h"]] += row["n"]
    return clock


def _discovery(source: _Source, period: Period) -> Discovery:
    """Share of the period's listens whose artist the listener first heard within the period."""
    first: dict[int, dt.date] = {}
    if source.cutoff is not None:
        first = dict(
            models.ListenerArtistMonth.objects.filter(user=source.user)
            .values("artist_id")
            .annotate(first=Min("first_day"))
            .values_list("artist_id", "first")
        )
        # The cutoff's month so far has day rows only.
        for artist, day in (
            models.ListenerTrackDay.objects.filter(
                user=source.user, day__gte=source.cutoff.replace(day=1), day__lt=source.cutoff
            )
            .values(a=F("track__artist_id"))
            .annotate(first=Min("day"))
            .values_list("a", "first")
        ):
            first[artist] = min(first.get(artist, day), day)
    for row in source.live:
        if row["a"] is not None:
            first[row["a"]] = min(first.get(row["a"], row["d"]), row["d"])
    listens = {artist: n for artist, (n, _) in _rolled(source, period, "a").items()}
    for artist, (n, _) in source.live_counts(period, "a").items():
        listens[artist] = listens.get(artist, 0) + n
    heard = [artist for artist, n in listens.items() if n]
    new = [artist for artist in heard if period.start is None or first[artist] >= period.start]
    return Discovery(
        new_artists=len(new),
        artists=len(heard),
        new_listens=sum(listens[artist] for artist in new),
        listens=sum(listens[artist] for artist in heard),
    )


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _genre_shift(source: _Source, period: Period, first_day: dt.date | None) -> GenreShift:
    """The top genres' share of each month's genre-tagged listens over the period (at least 6 months)."""
    start = period.start
    six_months_back = _month(source.today.replace(day=1) - dt.timedelta(days=150))
    if start is None:
        start = _month(first_day) if first_day else six_months_back
    start = min(_month(start), six_months_back)
    shift_period = Period(start, period.end)
    per_month = _genre_months(source, shift_period)
    last = _month(min(period.end - dt.timedelta(days=1), source.today) if period.end else source.today)
    months, month = [], start
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    totals: dict[int, int] = defaultdict(int)
    for counts in per_month.values():
        for genre, n in counts.items():
            totals[genre] += n
    top = [genre for genre, _ in sorted(totals.items(), key=lambda e: (-e[1], e[0]))[:GENRE_SHIFT_GENRES]]
    names = dict(Genre.objects.filter(id__in=top).values_list("id", "name")) if top else {}
    series = []
    month_totals = {m: sum(per_month[m].values()) for m in months}
    for genre in top:
        series.append(
            (
                names.get(genre, "?"),
                [per_month[m][genre] / month_totals[m] if month_totals[m] else 0.0 for m in months],
            )
        )
    if len(totals) > len(top):
        other = [
            (month_totals[m] - sum(per_month[m][g] for g in top)) / month_totals[m]
            if month_totals[m]
            else 0.0
            for m in months
        ]
        series.append(("Other", other))
    return GenreShift(months=months, series=series)


def _genre_months(source: _Source, period: Period) -> dict[dt.date, dict[int, int]]:
    """Listens per month and genre in the period (rollups + live)."""
    per_month: dict[dt.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (month, genre), (n, _) in _rolled(source, period, "g", by_month=True).items():
        per_month[month][genre] += n
    for genre, month, n in _live_genre_months(source, period):
        per_month[month][genre] += n
    return per_month


def _live_genre_months(source: _Source, period: Period):
    for row in source.live_rows(period):
        for genre in source.live_genres.get(row["t"], []):
            yield genre, _month(row["d"]), row["n"]


def _weeks(days: dict[dt.date, list[int]], period: Period, today: dt.date) -> list[tuple[dt.date, int]]:
    """Minutes per ISO week (weeks start on Monday) from the period's start (or first day) to today."""
    active = [day for day in days if period.contains(day) and day <= today]
    if not active and period.start is None:
        return []
    start = period.start or min(active)
    week = start - dt.timedelta(days=start.weekday())
    end = (period.end - dt.timedelta(days=1)) if period.end else today
    per_week: dict[dt.date, int] = defaultdict(int)
    for day in active:
        per_week[day - dt.timedelta(days=day.weekday())] += days[day][1]
    weeks = []
    while week <= end:
        weeks.append((week, per_week.get(week, 0) // 60_000))
        week += dt.timedelta(days=7)
    return weeks


def range_period(range_key: str, today: dt.date) -> Period:
    if range_key not in RANGES:
        raise StatsError("range", f"Unknown range {range_key!r}: use one of {', '.join(RANGES)}.")
    length = RANGES[range_key][1]
    return Period(today - dt.timedelta(days=length - 1) if length else None, None)


def listener_stats(
    *, user, range_key: str = DEFAULT_RANGE, limit: int = 10, now: dt.datetime | None = None
) -> ListenerStats:
    """Return a listener's stats for a range ("4w", "6m" or "all"), in their own time zone.

    Raises StatsError for an unknown range. Runs a constant number of queries.
    """
    if range_key not in RANGES:
        raise StatsError("range", f"Unknown range {range_key!r}: use one of {', '.join(RANGES)}.")
    source = _Source(user=user, now=now)
    period = range_period(range_key, source.today)
    return _stats(source, period, range_key=range_key, range_label=RANGES[range_key][0], limit=limit)


def _stats(source: _Source, period: Period, *, range_key: str, range_label: str, limit: int) -> ListenerStats:
    days = _days(source)
    in_period = {day: values for day, values in days.items() if period.contains(day)}
    last_28 = [source.today - dt.timedelta(days=offset) for offset in range(27, -1, -1)]
    if period.end is not None:  # a past period (a year): its last 28 days
        last_day = period.end - dt.timedelta(days=1)
        last_28 = [last_day - dt.timedelta(days=offset) for offset in range(27, -1, -1)]
    tops = {key: _named(key, _top(source, period, key, limit=limit)[0]) for key in ("a", "t", "al", "g")}
    return ListenerStats(
        user_id=source.user.pk,
        range=range_key,
        range_label=range_label,
        time_zone=str(source.tz),
        today=source.today,
        period=period,
        listens=sum(n for n, _ in in_period.values()),
        ms_played=sum(ms for _, ms in in_period.values()),
        top_artists=tops["a"],
        top_tracks=tops["t"],
        top_albums=tops["al"],
        top_genres=tops["g"],
        minutes_per_day=[(day, days[day][1] // 60_000 if day in days else 0) for day in last_28],
        minutes_per_week=_weeks(days, period, source.today),
        clock=_clock(source, period),
        discovery=_discovery(source, period),
        streaks=_streaks([day for day, (n, _) in days.items() if n], source.today),
        genre_shift=_genre_shift(source, period, min(days) if days else None),
        active_days=sum(1 for n, _ in in_period.values() if n),
    )


# -------------------------------------------------------------------------------------- year in review


@dataclass
class GenreStory:
    genre: Ranked
    share: float  # of the year's genre-tagged listens
    months: list[tuple[dt.date, int]]  # listens of the genre per month
    peak_month: dt.date | None
    top_artists: list[Ranked]


@dataclass
class YearInReview:
    year: int
    stats: ListenerStats
    most_played_day: tuple[dt.date, int, int] | None  # (day, listens, ms)
    genre_story: GenreStory | None
    years: list[int]  # the years with listens, for navigation
    minutes_per_month: list[tuple[dt.date, int]] = field(default_factory=list)


def listener_years(*, user) -> list[int]:
    """Return the years (local) in which the listener has listens, newest first."""
    tz = rollups.zone(user.time_zone)
    bounds = Listen.objects.filter(user=user).aggregate(first=Min("listened_at"), last=Max("listened_at"))
    if bounds["first"] is None:
        return []
    first, last = rollups.local_day(bounds["first"], tz).year, rollups.local_day(bounds["last"], tz).year
    return list(range(last, first - 1, -1))


def year_in_review(*, user, year: int, limit: int = 5, now: dt.datetime | None = None) -> YearInReview:
    """Return a listener's year in review: top five of everything, minutes, genre story, busiest day."""
    if not 1970 <= year <= 9998:
        raise StatsError("year", "The year must be between 1970 and 9998.")
    source = _Source(user=user, now=now)
    period = Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    stats = _stats(source, period, range_key=str(year), range_label=str(year), limit=limit)
    days = {day: v for day, v in _days(source).items() if period.contains(day)}
    busiest = None
    if days:
        day = min(days, key=lambda d: (-days[d][0], -days[d][1], d))
        busiest = (day, days[day][0], days[day][1])
    per_month: dict[int, int] = defaultdict(int)
    for day, (_, ms) in days.items():
        per_month[day.month] += ms
    return YearInReview(
        year=year,
        stats=stats,
        most_played_day=busiest,
        genre_story=_genre_story(source, period, stats),
        years=listener_years(user=user),
        minutes_per_month=[(dt.date(year, month, 1), per_month[month] // 60_000) for month in range(1, 13)],
    )


def _genre_story(source: _Source, period: Period, stats: ListenerStats) -> GenreStory | None:
    if not stats.top_genres:
        return None
    genre = stats.top_genres[0]
    per_month = _genre_months(source, period)
    tagged = sum(n for counts in per_month.values() for n in counts.values())
    months = {month: counts.get(genre.id, 0) for month, counts in per_month.items()}
    series = [
        (dt.date(period.start.year, m, 1), months.get(dt.date(period.start.year, m, 1), 0))
        for m in range(1, 13)
    ]
    peak = max(series, key=lambda entry: entry[1])[0] if any(n for _, n in series) else None
    artists = _top_artists_in_genre(source, period, genre.id)
    return GenreStory(
        genre=genre,
        share=genre.listens / tagged if tagged else 0.0,
        months=series,
        peak_month=peak,
        top_artists=artists,
    )


def _top_artists_in_genre(source: _Source, period: Period, genre_id: int, limit: int = 3) -> list[Ranked]:
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        models.ListenerTrackDay.objects.filter(**source.rollup_days(period), track__genres=genre_id)
        .values(a=F("track__artist_id"))
        .annotate(n=Sum("listens"), ms=Sum("ms_played"))
    ):
        counts[row["a"]] = [row["n"], row["ms"]]
    for row in source.live_rows(period):
        if genre_id in source.live_genres.get(row["t"], []):
            counts[row["a"]][0] += row["n"]
            counts[row["a"]][1] += row["ms"] or 0
    ranked = sorted(counts.items(), key=lambda e: (-e[1][0], -e[1][1], e[0]))[:limit]
    return _named("a", [(artist, n, ms) for artist, (n, ms) in ranked])


# --------------------------------------------------------------------------------- ListenBrainz stats

LB_ENTITIES = {"artists": "a", "releases": "al", "recordings": "t"}
LB_RANGES = (
    "this_week",
    "this_month",
    "this_year",
    "week",
    "month",
    "quarter",
    "year",
    "half_yearly",
    "all_time",
)


def lb_range_period(range_name: str, today: dt.date) -> Period:
    """Return the local days of a ListenBrainz stats range ('week' is last week, 'this_week' this one)."""
    monday = today - dt.timedelta(days=today.weekday())
    month = today.replace(day=1)
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    half = dt.date(today.year, 1 if today.month <= 6 else 7, 1)
    previous = {
        "week": (monday - dt.timedelta(days=7), monday),
        "month": ((month - dt.timedelta(days=1)).replace(day=1), month),
        "quarter": (_months_back(quarter, 3), quarter),
        "half_yearly": (_months_back(half, 6), half),
        "year": (dt.date(today.year - 1, 1, 1), dt.date(today.year, 1, 1)),
    }
    if range_name in previous:
        return Period(*previous[range_name])
    current = {
        "this_week": monday,
        "this_month": month,
        "this_year": dt.date(today.year, 1, 1),
        "all_time": None,
    }
    if range_name not in current:
        raise StatsError("range", f"Invalid range: {range_name}")
    return Period(current[range_name], None)


def _months_back(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class EntityPage:
    items: list[Ranked]
    total: int
    period: Period
    from_ts: int
    to_ts: int
    last_updated: int


def lb_entity_stats(*, user, entity: str, range_name: str, count: int, offset: int, now=None) -> EntityPage:
    """Return one page of a listener's top artists, releases or recordings for a ListenBrainz range."""
    source = _Source(user=user, now=now)
    period = lb_range_period(range_name, source.today)
    ranked, total = _top(source, period, LB_ENTITIES[entity], limit=count, offset=offset)
    state = rollups.rollup_state()
    start = period.start
    if start is None:
        first = Listen.objects.filter(user=user).aggregate(m=Min("listened_at"))["m"]
        start = rollups.local_day(first, source.tz) if first else source.today
    end_moment = rollups.day_start(period.end, source.tz) if period.end else source.now
    return EntityPage(
        items=_named(LB_ENTITIES[entity], ranked, offset=offset),
        total=total,
        period=period,
        from_ts=int(rollups.day_start(start, source.tz).timestamp()),
        to_ts=int(end_moment.timestamp()),
        last_updated=int(
            (state.last_finished_at if state and state.last_finished_at else source.now).timestamp()
        ),
    )
