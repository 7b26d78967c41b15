"""The staff dashboard's tables as CSV: one function per table, from the same selectors as the pages."""

from collections.abc import Callable, Iterable

from analytics import staff_activity, staff_shapes, staff_stats
from analytics.staff_stats import DateRange
from streamapp.csv_export import csv_text


def _number(value, digits: int = 1):
    """Return a figure for a spreadsheet: rounded, and empty when there is none."""
    return "" if value is None else round(value, digits)


def activity_rows(date_range: DateRange) -> Iterable[list]:
    overview = staff_activity.activity_overview(date_range=date_range)
    yield [
        "day",
        "active_listeners",
        "new_listeners",
        "returning_listeners",
        "listens",
        "minutes",
        "plays",
        "skips",
    ]
    for day in overview.days:
        yield [
            day.day.isoformat(),
            day.active,
            day.new,
            day.returning,
            day.listens,
            _number(day.minutes),
            day.plays,
            day.skips,
        ]


def weekly_active_rows(date_range: DateRange) -> Iterable[list]:
    overview = staff_activity.activity_overview(date_range=date_range)
    yield ["week_start", "week_end", "active_listeners"]
    for week in overview.weeks:
        yield [week.start.isoformat(), week.end.isoformat(), week.active]


def monthly_active_rows(date_range: DateRange) -> Iterable[list]:
    overview = staff_activity.activity_overview(date_range=date_range)
    yield ["month_start", "month_end", "active_listeners"]
    for month in overview.months:
        yield [month.start.isoformat(), month.end.isoformat(), month.active]


def retention_rows(date_range: DateRange) -> Iterable[list]:
    retention = staff_activity.retention_cohorts(date_range=date_range)
    yield ["cohort_week", "listeners", *[f"week_{k}_percent" for k in range(retention.weeks)]]
    for cohort in retention.cohorts:
        percents = [_number(value) for value in cohort.percents]
        yield [cohort.week.isoformat(), cohort.size, *percents, *[""] * (retention.weeks - len(percents))]


def _item_rows(attribute: str, with_artist: bool) -> Callable[[DateRange], Iterable[list]]:
    def rows(date_range: DateRange) -> Iterable[list]:
        content = staff_stats.content_overview(date_range=date_range)
        yield staff_shapes.item_csv_header(with_artist=with_artist)
        for rank, row in enumerate(getattr(content, attribute), start=1):
            yield staff_shapes.item_csv_row(rank, row, with_artist=with_artist)

    return rows


def coverage_rows(date_range: DateRange) -> Iterable[list]:
    coverage = staff_stats.content_overview(date_range=date_range).coverage
    yield ["decile", "share_of_plays_percent"]
    for index, share in enumerate(coverage.decile_shares, start=1):
        yield [f"{(index - 1) * 10}-{index * 10} %", _number(share, 2)]


def _source_rows(first: str, attribute: str) -> Callable[[DateRange], Iterable[list]]:
    def rows(date_range: DateRange) -> Iterable[list]:
        contexts = staff_stats.context_overview(date_range=date_range)
        columns = staff_shapes.SOURCE_COLUMNS
        yield staff_shapes.csv_header(columns, rename={"label": first}, skip={"key"})
        for row in getattr(contexts, attribute):
            yield staff_shapes.csv_row(columns, row, skip={"key"})

    return rows


context_rows = _source_rows("source", "groups")
context_type_rows = _source_rows("context", "by_type")


def quality_rows(date_range: DateRange) -> Iterable[list]:
    quality = staff_stats.quality_overview(date_range=date_range)
    columns = staff_shapes.QUALITY_COLUMNS
    yield staff_shapes.csv_header(columns, rename=staff_shapes.QUALITY_CSV_NAMES)
    for row in [*quality.formats, quality.total]:
        name = "all" if row is quality.total else (row.format or "unknown")
        yield staff_shapes.csv_row(columns, row, values={"format": name})


def quality_daily_rows(date_range: DateRange) -> Iterable[list]:
    quality = staff_stats.quality_overview(date_range=date_range)
    yield ["day", "plays", "avg_time_to_first_audio_ms", "stalls_per_100_plays", "errors_per_100_plays"]
    for row in quality.daily:
        yield [
            row.format,
            row.plays,
            _number(row.ttfa_average),
            _number(row.stalls_per_100, 2),
            _number(row.error_rate, 2),
        ]


# The URL name of each table (/staff/analytics/csv/<name>/) and how to build it.
TABLES: dict[str, Callable[[DateRange], Iterable[list]]] = {
    "activity": activity_rows,
    "weekly-active": weekly_active_rows,
    "monthly-active": monthly_active_rows,
    "retention": retention_rows,
    "top-tracks": _item_rows("top_tracks", with_artist=True),
    "top-artists": _item_rows("top_artists", with_artist=False),
    "top-genres": _item_rows("top_genres", with_artist=False),
    "track-skips": _item_rows("skipped_tracks", with_artist=True),
    "genre-skips": _item_rows("genre_skips", with_artist=False),
    "coverage": coverage_rows,
    "contexts": context_rows,
    "context-types": context_type_rows,
    "quality": quality_rows,
    "quality-daily": quality_daily_rows,
}


def render(table: str, date_range: DateRange) -> str:
    """Return a table as CSV text (a header row, then one row per line; names that could start a
    formula are neutralised)."""
    return csv_text(TABLES[table](date_range))
