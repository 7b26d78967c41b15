"""Listener activity for the staff dashboard: actives per day, week and month, new and returning
listeners, weekly retention cohorts (reads only).

Counts of distinct listeners over several days cannot be added up from daily rows, and counting them in
SQL over the rollups' (listener, day) rows reads every row of the period on every page view (a million
rows at 10 million listens). So they are computed in numpy from an activity index: one bit per listener
per site day, built from ``DailyListenerActivity`` once per rollup run and kept in the cache (its key is
the rollups' bounds, so a new run starts a new index), plus the (listener, day) pairs the rollups do not
hold yet (the day so far and rows inserted since the run: see analytics.staff_stats), read on every
request. The figures are exact: the same as a direct count over Listen and Play.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, Sum

from analytics.models import DailyListenerActivity
from analytics.staff_stats import (
    COHORT_WEEKS,
    EPOCH,
    ROLLUP_CACHE_SECONDS,
    DateRange,
    RollupBounds,
    _as_date,
    _bounds_key,
    _date_param,
    _day_number_sql,
    _listen_ms,
    _site_day,
    _Split,
    _split,
    item_totals,
    rollup_bounds,
)


# ------------------------------------------------------------------------------ the activity index
@dataclass
class ActivityIndex:
    """The rollups' active (listener, day) pairs as bits, and their figures per day."""

    origin: datetime.date | None  # the day of column 0 (None: no rollups)
    days: int  # columns
    user_ids: np.ndarray  # row -> user id, ascending
    bits: np.ndarray  # np.packbits of the users x days matrix, along the days
    # day -> (active listeners, listens, ms played, plays, skips)
    totals: dict[datetime.date, tuple[int, int, int, int, int]] = field(default_factory=dict)


def _index_key(bounds: RollupBounds) -> str:
    return f"analytics:staff-activity:v1:{_bounds_key(bounds)}"


def _build_index() -> ActivityIndex:
    """Read every DailyListenerActivity row into an index (2-3 queries)."""
    table = DailyListenerActivity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(day), MAX(day) FROM {table}")  # noqa: S608
        first, last = cursor.fetchone()
        if first is None:
            return ActivityIndex(None, 0, np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.uint8))
        origin, last = _as_date(first), _as_date(last)
        cursor.execute(f"SELECT user_id, {_day_number_sql('day')} FROM {table}", [_date_param(origin)])  # noqa: S608
        pairs = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    days = (last - origin).days + 1
    user_ids, rows = np.unique(pairs[:, 0], return_inverse=True)
    matrix = np.zeros((len(user_ids), days), dtype=bool)
    matrix[rows, pairs[:, 1]] = True
    totals = {
        _as_date(row["day"]): (
            row["active"],
            row["listens"] or 0,
            row["ms"] or 0,
            row["plays"] or 0,
            row["skips"] or 0,
        )
        for row in DailyListenerActivity.objects.values("day").annotate(
            active=Count("id"),
            listens=Sum("listens"),
            ms=Sum("ms_played"),
            plays=Sum("plays"),
            skips=Sum("skips"),
        )
    }
    return ActivityIndex(origin, days, user_ids, np.packbits(matrix, axis=1), totals)


def activity_index(bounds: RollupBounds) -> ActivityIndex:
    """Return the rollups' activity index, from the cache or built now (then cached)."""
    key = _index_key(bounds)
    index = cache.get(key)
    if index is None:
        index = _build_index()
        cache.set(key, index, ROLLUP_CACHE_SECONDS)
    return index


@dataclass
class _Activity:
    """Who was active on which day, from the first active day ever up to ``end``."""

    origin: datetime.date
    end: datetime.date
    matrix: np.ndarray  # users x days, bool; column c is origin + c days

    def column(self, day: datetime.date) -> int:
        return (day - self.origin).days

    def window(self, start: datetime.date, end: datetime.date) -> np.ndarray:
        """Return the columns of the days start..end (clipped to the matrix)."""
        first = max(0, self.column(start))
        last = min(self.matrix.shape[1] - 1, self.column(end))
        return self.matrix[:, first : last + 1] if last >= first else self.matrix[:, 0:0]

    def distinct(self, start: datetime.date, end: datetime.date) -> int:
        return int(self.window(start, end).any(axis=1).sum())

    def first_columns(self) -> np.ndarray:
        """Each listener's first active column (-1 for a listener never active up to ``end``)."""
        active = self.matrix.any(axis=1)
        return np.where(active, self.matrix.argmax(axis=1), -1)


def _extra_user_days(split: _Split) -> dict[tuple[int, datetime.date], list[int]]:
    """Return {(user id, day): [listens, ms, plays, skips]} of the rows the rollups lack (2 queries)."""
    figures: dict[tuple[int, datetime.date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    listens = (
        split.extra_listens()
        .annotate(day=_site_day("listened_at"))
        .values_list("user_id", "day")
        .annotate(n=Count("id"), ms=Sum(_listen_ms()))
    )
    for user_id, day, count, ms in listens:
        figures[(user_id, _as_date(day))][0:2] = [count, ms or 0]
    plays = (
        split.extra_plays()
        .annotate(day=_site_day("started_at"))
        .values_list("user_id", "day")
        .annotate(n=Count("id"), skips=Count("id", filter=Q(skipped=True)))
    )
    for user_id, day, count, skips in plays:
        figures[(user_id, _as_date(day))][2:4] = [count, skips]
    return dict(figures)


def _activity(end: datetime.date, bounds: RollupBounds, extras) -> _Activity:
    """Return every listener's active days up to ``end``: the index and the rows it does not hold."""
    index = activity_index(bounds)
    origins = [day for _, day in extras]
    if index.origin is not None:
        origins.append(index.origin)
    origin = min(origins, default=end)
    if origin > end:
        origin = end
    extra_users = np.array(
        sorted({user for user, _ in extras} - set(index.user_ids.tolist())), dtype=np.int64
    )
    user_ids = np.concatenate([index.user_ids, extra_users])
    matrix = np.zeros((len(user_ids), (end - origin).days + 1), dtype=bool)
    if index.origin is not None and len(index.user_ids):
        held = np.unpackbits(index.bits, axis=1, count=index.days).astype(bool)
        offset = (index.origin - origin).days
        width = min(index.days, matrix.shape[1] - offset)
        if width > 0:
            matrix[: len(index.user_ids), offset : offset + width] = held[:, :width]
    if extras:
        row_of = {user: row for row, user in enumerate(user_ids.tolist())}
        rows = np.array([row_of[user] for user, _ in extras], dtype=np.int64)
        columns = np.array([(day - origin).days for _, day in extras], dtype=np.int64)
        inside = (columns >= 0) & (columns < matrix.shape[1])
        matrix[rows[inside], columns[inside]] = True
    return _Activity(origin, end, matrix)


# ------------------------------------------------------------------------------ listeners
@dataclass(frozen=True)
class DayActivity:
    day: datetime.date
    active: int
    new: int
    listens: int
    ms_played: int
    plays: int
    skips: int

    @property
    def returning(self) -> int:
        return self.active - self.new

    @property
    def minutes(self) -> float:
        return self.ms_played / 60000


@dataclass(frozen=True)
class PeriodActive:
    """Distinct active listeners in one calendar week or month (clipped to the range)."""

    start: datetime.date
    end: datetime.date
    active: int


@dataclass
class ActivityOverview:
    range: DateRange
    days: list[DayActivity]
    weeks: list[PeriodActive]
    months: list[PeriodActive]
    wau: int  # distinct listeners in the 7 days ending with the range's last day
    mau: int  # ... in the 30 days ending with it

    @property
    def listens(self) -> int:
        return sum(day.listens for day in self.days)

    @property
    def minutes(self) -> float:
        return sum(day.ms_played for day in self.days) / 60000

    @property
    def plays(self) -> int:
        return sum(day.plays for day in self.days)

    @property
    def new(self) -> int:
        return sum(day.new for day in self.days)

    @property
    def dau_average(self) -> float:
        return sum(day.active for day in self.days) / len(self.days) if self.days else 0.0

    @property
    def stickiness(self) -> float | None:
        """Average daily actives over monthly actives, in percent."""
        return 100 * self.dau_average / self.mau if self.mau else None


def _weeks(date_range: DateRange) -> list[tuple[datetime.date, datetime.date]]:
    monday = date_range.start - datetime.timedelta(days=date_range.start.weekday())
    weeks = []
    while monday <= date_range.end:
        weeks.append(
            (max(monday, date_range.start), min(monday + datetime.timedelta(days=6), date_range.end))
        )
        monday += datetime.timedelta(days=7)
    return weeks


def _months(date_range: DateRange) -> list[tuple[datetime.date, datetime.date]]:
    months = []
    first = date_range.start.replace(day=1)
    while first <= date_range.end:
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        months.append(
            (max(first, date_range.start), min(following - datetime.timedelta(days=1), date_range.end))
        )
        first = following
    return months


def listener_activity(*, date_range: DateRange) -> tuple[ActivityOverview, Retention]:
    """Return the activity overview and the retention cohorts of a range, reading the live rows once."""
    split = _split(date_range)
    extras = _extra_user_days(_Split(DateRange(EPOCH, date_range.end), split.bounds))
    activity = _activity(date_range.end, split.bounds, extras)
    return _overview(date_range, split, activity, extras), _retention(date_range, activity)


def activity_overview(*, date_range: DateRange) -> ActivityOverview:
    """Return daily actives (new and returning), listens, minutes and plays, weekly and monthly actives."""
    return listener_activity(date_range=date_range)[0]


def _overview(date_range: DateRange, split: _Split, activity: _Activity, extras) -> ActivityOverview:
    window = activity.window(date_range.start, date_range.end)
    start_column = activity.column(date_range.start)
    active = np.zeros(date_range.days, dtype=np.int64)
    offset = max(0, -start_column)
    active[offset : offset + window.shape[1]] = window.sum(axis=0)
    firsts = activity.first_columns() - start_column
    new = np.bincount(firsts[(firsts >= 0) & (firsts < date_range.days)], minlength=date_range.days)

    figures: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    index = activity_index(split.bounds)
    if split.rollup_end is not None:
        for day in DateRange(date_range.start, split.rollup_end).each_day():
            held = index.totals.get(day)
            if held:
                figures[day] = list(held[1:])
    for (_user_id, day), values in extras.items():
        if date_range.start <= day <= date_range.end:
            target = figures[day]
            for position, value in enumerate(values):
                target[position] += value

    days = [
        DayActivity(day, int(active[i]), int(new[i]), *figures.get(day, (0, 0, 0, 0)))
        for i, day in enumerate(date_range.each_day())
    ]
    return ActivityOverview(
        range=date_range,
        days=days,
        weeks=[PeriodActive(start, end, activity.distinct(start, end)) for start, end in _weeks(date_range)],
        months=[
            PeriodActive(start, end, activity.distinct(start, end)) for start, end in _months(date_range)
        ],
        wau=activity.distinct(date_range.end - datetime.timedelta(days=6), date_range.end),
        mau=activity.distinct(date_range.end - datetime.timedelta(days=29), date_range.end),
    )


# ------------------------------------------------------------------------------ retention
@dataclass
class Cohort:
    week: datetime.date  # the Monday of the week of the listeners' first active day
    size: int
    retained: list[int]  # listeners active in week 0, 1, 2, ... (only weeks that have started)

    @property
    def percents(self) -> list[float]:
        return [100 * count / self.size if self.size else 0.0 for count in self.retained]


@dataclass
class Retention:
    range: DateRange
    cohorts: list[Cohort]
    weeks: int  # columns: weeks since the first active week


def retention_cohorts(*, date_range: DateRange) -> Retention:
    """Return weekly cohorts (by first active week) from the range's first week, and their retention."""
    return listener_activity(date_range=date_range)[1]


def _retention(
    date_range: DateRange, activity: _Activity, max_cohorts: int = COHORT_WEEKS, max_weeks: int = COHORT_WEEKS
) -> Retention:
    """Week k of a cohort counts its listeners active in the k-th calendar week after their first one, up
    to the range's end: at most ``max_cohorts`` cohorts and ``max_weeks`` weeks after the first."""
    first_monday = date_range.start - datetime.timedelta(days=date_range.start.weekday())
    last_monday = date_range.end - datetime.timedelta(days=date_range.end.weekday())
    last_monday = min(last_monday, first_monday + datetime.timedelta(weeks=max_cohorts - 1 + max_weeks))
    total_weeks = (last_monday - first_monday).days // 7 + 1
    # Weekly activity from the first Monday: users x weeks.
    weekly = np.zeros((activity.matrix.shape[0], total_weeks), dtype=bool)
    for week in range(total_weeks):
        monday = first_monday + datetime.timedelta(weeks=week)
        weekly[:, week] = activity.window(monday, monday + datetime.timedelta(days=6)).any(axis=1)
    firsts = activity.first_columns()
    first_week = np.where(firsts >= 0, (firsts - activity.column(first_monday)) // 7, -1)
    columns = min(total_weeks, max_weeks + 1)
    cohorts = []
    for index in range(min(total_weeks, max_cohorts)):
        members = weekly[first_week == index]
        cohorts.append(
            Cohort(
                week=first_monday + datetime.timedelta(weeks=index),
                size=int(len(members)),
                retained=[int(members[:, index + k].sum()) for k in range(min(columns, total_weeks - index))],
            )
        )
    return Retention(range=date_range, cohorts=cohorts, weeks=columns)


# ------------------------------------------------------------------------------ after a rollup run
def warm_staff_caches() -> None:
    """Build what the staff dashboard caches per rollup run (the activity index, the rollups' item sums
    for the preset ranges), so that the first view after a run is as quick as the next ones.

    Meant to be called right after ``analytics.rollups.rollup_run``.
    """
    bounds = rollup_bounds()
    activity_index(bounds)
    for days in (7, 30, 90, 365):
        date_range = DateRange.last(days)
        for kind in ("track", "artist", "genre"):
            for period in (date_range, date_range.previous()):
                item_totals(kind=kind, date_range=period, bounds=bounds, extra_tracks={}, parents={})
