"""The staff figures' row shapes, declared once: the CSV files (analytics.csv) and the API
(analytics.api.staff) build every row from the columns here (the pages show the same selector rows,
formatted for reading by their templates).

Each column: its name (the CSV header and the API field), the value from the selector's row, and its
rounding in each output (the CSV has always rounded rates to 1 digit, the API to 2). A missing
figure is an empty cell in the CSV and null in the API.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    value: Callable[[Any], Any]
    csv_digits: int | None = None
    api_digits: int | None = None


def _rounded(value, digits: int | None):
    if value is None or digits is None:
        return value
    if isinstance(value, list):
        return [round(item, digits) for item in value]
    return round(value, digits)


# A ranked item: top tracks, artists and genres, most skipped tracks, skip rates by genre
# (staff_stats.ItemRow). "artist" is a track's artist: left out of the CSV and empty in the API for
# artists and genres.
ITEM_COLUMNS = (
    Column("id", lambda row: row.item_id),
    Column("name", lambda row: row.name),
    Column("artist", lambda row: row.subtitle),
    Column("listens", lambda row: row.listens),
    Column("previous_listens", lambda row: row.previous_listens),
    Column("change_percent", lambda row: row.change, csv_digits=1, api_digits=2),
    Column("minutes", lambda row: row.minutes, csv_digits=1, api_digits=1),
    Column("plays", lambda row: row.plays),
    Column("skips", lambda row: row.skips),
    Column("skip_rate_percent", lambda row: row.skip_rate, csv_digits=1, api_digits=2),
)


def item_csv_header(*, with_artist: bool) -> list[str]:
    """Return the CSV header of an item table (its rank first)."""
    return ["rank", *(c.name for c in ITEM_COLUMNS if with_artist or c.name != "artist")]


def item_csv_row(rank: int, row, *, with_artist: bool) -> list:
    """Return one item as a CSV row (its rank first)."""
    cells = []
    for column in ITEM_COLUMNS:
        if with_artist or column.name != "artist":
            value = _rounded(column.value(row), column.csv_digits)
            cells.append("" if value is None else value)
    return [rank, *cells]


def item_api_row(row, *, with_artist: bool) -> dict:
    """Return one item as the API gives it."""
    data = {column.name: _rounded(column.value(row), column.api_digits) for column in ITEM_COLUMNS}
    if not with_artist:
        data["artist"] = ""
    return data


def _value(column: Column, row, values: dict | None):
    return values[column.name] if values and column.name in values else column.value(row)


def csv_header(columns, *, rename: dict | None = None, skip=()) -> list[str]:
    """Return the CSV header of columns (some renamed, some left out)."""
    return [(rename or {}).get(c.name, c.name) for c in columns if c.name not in skip]


def csv_row(columns, row, *, skip=(), values: dict | None = None) -> list:
    """Return a row as CSV cells (``values`` replaces some columns' values before rounding)."""
    cells = []
    for column in columns:
        if column.name not in skip:
            value = _rounded(_value(column, row, values), column.csv_digits)
            cells.append("" if value is None else value)
    return cells


def api_row(columns, row, *, values: dict | None = None) -> dict:
    """Return a row as the API gives it (``values`` replaces some columns' values before rounding)."""
    return {c.name: _rounded(_value(c, row, values), c.api_digits) for c in columns}


# Plays by source or context type (staff_stats.ContextRow); "key" is the API's only, and the CSV
# names the label column after the table ("source", "context").
SOURCE_COLUMNS = (
    Column("key", lambda row: row.group),
    Column("label", lambda row: row.label),
    Column("plays", lambda row: row.plays),
    Column("completions", lambda row: row.completions),
    Column("skips", lambda row: row.skips),
    Column("minutes", lambda row: row.ms_played / 60000, csv_digits=1, api_digits=1),
    Column("completion_rate_percent", lambda row: row.completion_rate, csv_digits=1, api_digits=2),
    Column("skip_rate_percent", lambda row: row.skip_rate, csv_digits=1, api_digits=2),
)

# Streaming quality by format served and quality asked for, in total or per day
# (staff_stats.QualityRow); "format" is the day in the daily rows, "all" for the total; "quality" is
# empty where the player did not report it and in rows of every quality.
QUALITY_COLUMNS = (
    Column("format", lambda row: row.format),
    Column("quality", lambda row: row.quality),
    Column("plays", lambda row: row.plays),
    Column("time_to_first_audio_ms", lambda row: row.ttfa_average, csv_digits=1, api_digits=2),
    Column("stalls", lambda row: row.stall_count),
    Column("stalls_per_100_plays", lambda row: row.stalls_per_100, csv_digits=2, api_digits=2),
    Column("stall_ms", lambda row: row.stall_ms),
    Column("errors", lambda row: row.errors),
    Column("errors_per_100_plays", lambda row: row.error_rate, csv_digits=2, api_digits=2),
)
QUALITY_CSV_NAMES = {"time_to_first_audio_ms": "avg_time_to_first_audio_ms"}


# A day of listener activity (staff_activity.ActivityDay).
ACTIVITY_DAY_COLUMNS = (
    Column("day", lambda row: row.day),
    Column("active_listeners", lambda row: row.active),
    Column("new_listeners", lambda row: row.new),
    Column("returning_listeners", lambda row: row.returning),
    Column("listens", lambda row: row.listens),
    Column("minutes", lambda row: row.minutes, csv_digits=1, api_digits=1),
    Column("plays", lambda row: row.plays),
    Column("skips", lambda row: row.skips),
)

# Distinct listeners in a calendar week or month (staff_activity.ActivePeriod); the CSV names the
# dates after the period ("week_start", "month_end").
PERIOD_COLUMNS = (
    Column("start", lambda row: row.start),
    Column("end", lambda row: row.end),
    Column("active_listeners", lambda row: row.active),
)


def period_csv_names(period: str) -> dict:
    """Return the CSV's names of a period's dates ("week" → week_start, week_end)."""
    return {"start": f"{period}_start", "end": f"{period}_end"}


# A weekly retention cohort (staff_activity.Cohort). The API gives the weeks as two lists; the CSV
# spreads the percentages over one column per week ("week_0_percent", ...), empty where a week has not
# started.
COHORT_COLUMNS = (
    Column("week", lambda row: row.week),
    Column("listeners", lambda row: row.size),
    Column("retained", lambda row: row.retained),
    Column("retained_percent", lambda row: row.percents, csv_digits=1, api_digits=2),
)
COHORT_CSV_NAMES = {"week": "cohort_week"}


def cohort_csv_header(weeks: int) -> list[str]:
    """Return the retention CSV's header for a table of ``weeks`` week columns."""
    weeks_header = [f"week_{k}_percent" for k in range(weeks)]
    return [*csv_header(COHORT_COLUMNS[:2], rename=COHORT_CSV_NAMES), *weeks_header]


def cohort_csv_row(cohort, weeks: int) -> list:
    """Return a cohort as a CSV row: its week, its size and the percentage retained in each week."""
    percents = csv_row(COHORT_COLUMNS, cohort, skip={"week", "listeners", "retained"})[0]
    return [*csv_row(COHORT_COLUMNS[:2], cohort), *percents, *[""] * (weeks - len(percents))]


# Catalogue coverage (staff_stats.Coverage); the CSV holds its decile shares, one row per tenth of the
# catalogue's tracks (most played first).
COVERAGE_COLUMNS = (
    Column("played_tracks", lambda row: row.played_tracks),
    Column("catalogue_tracks", lambda row: row.catalogue_tracks),
    Column("played_percent", lambda row: row.percent_played, api_digits=2),
    Column("long_tail_percent", lambda row: row.long_tail_percent, api_digits=2),
    Column("decile_shares_percent", lambda row: row.decile_shares, csv_digits=2, api_digits=2),
)
DECILE_CSV_HEADER = ["decile", "share_of_plays_percent"]


def decile_csv_rows(coverage) -> list[list]:
    """Return the coverage's decile shares as CSV rows ("0-10 %", share)."""
    shares = csv_row(COVERAGE_COLUMNS, coverage, skip={c.name for c in COVERAGE_COLUMNS[:-1]})[0]
    return [[f"{(index - 1) * 10}-{index * 10} %", share] for index, share in enumerate(shares, start=1)]


# Streaming quality per day (staff_stats.QualityRow whose "format" holds the day); the CSV keeps the
# rates, the API every column.
QUALITY_DAILY_CSV_SKIP = {"quality", "stalls", "stall_ms", "errors"}
QUALITY_DAILY_CSV_NAMES = {**QUALITY_CSV_NAMES, "format": "day"}


# The transcode cache per day (staff_stats.TranscodeDayRow).
TRANSCODE_DAY_COLUMNS = (
    Column("day", lambda row: row.day),
    Column("requests", lambda row: row.requests),
    Column("cache_hits", lambda row: row.cache_hits),
    Column("cache_misses", lambda row: row.cache_misses),
    Column("hit_ratio_percent", lambda row: row.hit_ratio, csv_digits=1, api_digits=2),
    Column("bytes_served", lambda row: row.bytes_served),
    Column("errors", lambda row: row.errors),
)

# A file ffmpeg could not transcode (listening.TranscodeFailure).
TRANSCODE_FAILURE_COLUMNS = (
    Column("track_id", lambda row: row.track_id),
    Column("track", lambda row: row.track.title if row.track else ""),
    Column("artist", lambda row: row.track.artist.name if row.track else ""),
    Column("path", lambda row: row.audio_file.path),
    Column("format", lambda row: row.stream_format),
    Column("bitrate_kbps", lambda row: row.bitrate_kbps),
    Column("message", lambda row: row.message),
    Column("count", lambda row: row.count),
    Column("last_at", lambda row: row.last_at),
)
