"""The staff dashboard's tables as CSV: one function per table, from the same selectors as the pages."""

from collections.abc import Callable, Iterable

from analytics import staff_activity, staff_shapes, staff_stats
from analytics.staff_stats import DateRange
from streamapp.csv_export import csv_text


def activity_rows(date_range: DateRange) -> Iterable[list]:
    overview = staff_activity.activity_overview(date_range=date_range)
    yield staff_shapes.csv_header(staff_shapes.ACTIVITY_DAY_COLUMNS)
    for day in overview.days:
        yield staff_shapes.csv_row(staff_shapes.ACTIVITY_DAY_COLUMNS, day)


def _period_rows(period: str, attribute: str) -> Callable[[DateRange], Iterable[list]]:
    def rows(date_range: DateRange) -> Iterable[list]:
        overview = staff_activity.activity_overview(date_range=date_range)
        columns = staff_shapes.PERIOD_COLUMNS
        yield staff_shapes.csv_header(columns, rename=staff_shapes.period_csv_names(period))
        for item in getattr(overview, attribute):
            yield staff_shapes.csv_row(columns, item)

    return rows


weekly_active_rows = _period_rows("week", "weeks")
monthly_active_rows = _period_rows("month", "months")


def retention_rows(date_range: DateRange) -> Iterable[list]:
    retention = staff_activity.retention_cohorts(date_range=date_range)
    yield staff_shapes.cohort_csv_header(retention.weeks)
    for cohort in retention.cohorts:
        yield staff_shapes.cohort_csv_row(cohort, retention.weeks)


def _item_rows(attribute: str, with_artist: bool) -> Callable[[DateRange], Iterable[list]]:
    def rows(date_range: DateRange) -> Iterable[list]:
        content = staff_stats.content_overview(date_range=date_range)
        yield staff_shapes.item_csv_header(with_artist=with_artist)
        for rank, row in enumerate(getattr(content, attribute), start=1):
            yield staff_shapes.item_csv_row(rank, row, with_artist=with_artist)

    return rows


def coverage_rows(date_range: DateRange) -> Iterable[list]:
    coverage = staff_stats.content_overview(date_range=date_range).coverage
    yield staff_shapes.DECILE_CSV_HEADER
    yield from staff_shapes.decile_csv_rows(coverage)


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
    for row in [*quality.combinations, quality.total]:
        name = "all" if row is quality.total else (row.format or "unknown")
        yield staff_shapes.csv_row(columns, row, values={"format": name})


def quality_daily_rows(date_range: DateRange) -> Iterable[list]:
    quality = staff_stats.quality_overview(date_range=date_range)
    columns, skip = staff_shapes.QUALITY_COLUMNS, staff_shapes.QUALITY_DAILY_CSV_SKIP
    yield staff_shapes.csv_header(columns, rename=staff_shapes.QUALITY_DAILY_CSV_NAMES, skip=skip)
    for row in quality.daily:
        yield staff_shapes.csv_row(columns, row, skip=skip)


def transcode_rows(date_range: DateRange) -> Iterable[list]:
    transcodes = staff_stats.transcode_overview(date_range=date_range, failures=0)
    yield staff_shapes.csv_header(staff_shapes.TRANSCODE_DAY_COLUMNS)
    for row in transcodes.days:
        yield staff_shapes.csv_row(staff_shapes.TRANSCODE_DAY_COLUMNS, row)


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
    "transcodes": transcode_rows,
}


def render(table: str, date_range: DateRange) -> str:
    """Return a table as CSV text (a header row, then one row per line; names that could start a
    formula are neutralised)."""
    return csv_text(TABLES[table](date_range))
