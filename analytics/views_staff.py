"""The staff analytics dashboard (/staff/analytics/...) and its CSV downloads: staff only.

Anonymous visitors are sent to log in (LoginRequiredMiddleware); a logged-in listener gets 403. Each
section is its own page, reading one or two selectors of analytics.staff_stats; the charts and tables are
built here from their results (presentation only).
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from analytics import charts, staff_activity, staff_stats
from analytics import csv as staff_csv
from analytics.forms_staff import PRESETS, DateRangeForm, range_query
from analytics.staff_stats import DateRange

SECTIONS = (
    ("overview", "Listeners"),
    ("content", "Catalogue"),
    ("playlists", "Playlists & radio"),
    ("quality", "Streaming quality"),
)
CHART_TOP = 10


def staff_required(view):
    """Let staff in; anyone else logged in gets 403 (anonymous visitors never get here: they log in)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_staff:
            raise PermissionDenied("Staff only.")
        return view(request, *args, **kwargs)

    return wrapper


def _range_from(request: HttpRequest) -> tuple[DateRangeForm, DateRange, bool]:
    """Return the range form, the range to show (the default one when the form is invalid), validity."""
    form = DateRangeForm(request.GET)  # nothing given: valid, the last 30 days
    if form.is_valid():
        return form, form.date_range, True
    return form, DateRangeForm.default_range(), False


def _page(request, section: str, date_range: DateRange, form: DateRangeForm, valid: bool, context: dict):
    query = range_query(date_range)
    base = {
        "section": section,
        "sections": [
            (key, label, reverse(f"analytics-staff:{key}") + f"?{query}") for key, label in SECTIONS
        ],
        "section_label": dict(SECTIONS)[section],
        "form": form,
        "range": date_range,
        "range_query": query,
        "presets": [
            (key, reverse(f"analytics-staff:{section}") + f"?preset={key}", key == form.active_preset())
            for key in PRESETS
        ],
        "csv_links": {table.replace("-", "_"): _csv_url(table, date_range) for table in staff_csv.TABLES},
        "site_zone": staff_stats.site_zone(),
    }
    base.update(context)
    return render(request, f"analytics/staff_{section}.html", base, status=200 if valid else 400)


def _csv_url(table: str, date_range: DateRange) -> str:
    return reverse("analytics-staff:csv", args=[table]) + f"?{range_query(date_range)}"


# ------------------------------------------------------------------------------ listeners
@require_safe
@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    """Listeners: daily, weekly and monthly actives, new and returning, activity per day, cohorts."""
    form, date_range, valid = _range_from(request)
    activity, retention = staff_activity.listener_activity(date_range=date_range)
    labels = [day.day.isoformat() for day in activity.days]
    context = {
        "activity": activity,
        "retention": retention,
        "daily_active_chart": charts.bar_chart(
            title="Daily active listeners",
            description="Listeners who played anything that day: new (their first day ever) and returning.",
            x_label="Day",
            y_label="Listeners",
            labels=labels,
            series=[
                charts.Series("Returning", [day.returning for day in activity.days]),
                charts.Series("New", [day.new for day in activity.days]),
            ],
            stacked=True,
            csv_url=_csv_url("activity", date_range),
        ),
        "weekly_active_chart": charts.bar_chart(
            title="Weekly active listeners",
            description="Distinct listeners per calendar week (Monday to Sunday, cut at the range's ends).",
            x_label="Week starting",
            y_label="Listeners",
            labels=[week.start.isoformat() for week in activity.weeks],
            series=[charts.Series("Active listeners", [week.active for week in activity.weeks])],
            csv_url=_csv_url("weekly-active", date_range),
        ),
        "monthly_active_chart": charts.bar_chart(
            title="Monthly active listeners",
            description="Distinct listeners per calendar month (cut at the range's ends).",
            x_label="Month",
            y_label="Listeners",
            labels=[month.start.strftime("%b %Y") for month in activity.months],
            series=[charts.Series("Active listeners", [month.active for month in activity.months])],
            csv_url=_csv_url("monthly-active", date_range),
        ),
        "plays_chart": charts.line_chart(
            title="Plays and listens per day",
            description="Plays: every playback started. Listens: plays that counted (half a track or 4 min)",
            x_label="Day",
            y_label="Count",
            labels=labels,
            series=[
                charts.Series("Plays", [day.plays for day in activity.days]),
                charts.Series("Listens", [day.listens for day in activity.days]),
            ],
            csv_url=_csv_url("activity", date_range),
        ),
        "minutes_chart": charts.line_chart(
            title="Minutes listened per day",
            x_label="Day",
            y_label="Minutes",
            labels=labels,
            series=[charts.Series("Minutes", [round(day.minutes) for day in activity.days])],
            value_format="minutes",
            area=True,
            csv_url=_csv_url("activity", date_range),
        ),
        "retention_chart": charts.heatmap_chart(
            title="Weekly retention cohorts",
            description="Listeners by the week of their first listen: the share active in each later week.",
            x_label="Weeks since the first week",
            y_label="First week (listeners)",
            columns=list(range(retention.weeks)),
            rows=[f"{cohort.week:%d %b} ({cohort.size:,})" for cohort in retention.cohorts],
            values=[
                [
                    *(percent if cohort.size else None for percent in cohort.percents),
                    *[None] * (retention.weeks - len(cohort.percents)),
                ]
                for cohort in retention.cohorts
            ],
            value_format="percent",
            csv_url=_csv_url("retention", date_range),
        ),
    }
    return _page(request, "overview", date_range, form, valid, context)


# ------------------------------------------------------------------------------ catalogue
def _top_chart(title: str, rows, date_range: DateRange, table: str, item: str) -> charts.Chart:
    top = rows[:CHART_TOP]
    return charts.bar_chart(
        title=title,
        description=f"Listens in the range against the {date_range.days} days before it.",
        x_label=item,
        y_label="Listens",
        labels=[row.name for row in top],
        series=[
            charts.Series("This period", [row.listens for row in top]),
            charts.Series("Previous period", [row.previous_listens for row in top]),
        ],
        horizontal=True,
        csv_url=_csv_url(table, date_range),
    )


def _skip_chart(
    title: str, rows, date_range: DateRange, table: str, item: str, min_plays: int
) -> charts.Chart:
    top = rows[:CHART_TOP]
    return charts.bar_chart(
        title=title,
        description=f"Share of plays skipped, among those with at least {min_plays:,} plays.",
        x_label=item,
        y_label="Skip rate",
        labels=[row.name for row in top],
        series=[charts.Series("Skip rate", [round(row.skip_rate or 0, 1) for row in top])],
        value_format="percent",
        horizontal=True,
        csv_url=_csv_url(table, date_range),
    )


@require_safe
@staff_required
def content(request: HttpRequest) -> HttpResponse:
    """Catalogue: top tracks, artists and genres with trends, skip rates, coverage and the long tail."""
    form, date_range, valid = _range_from(request)
    overview_data = staff_stats.content_overview(date_range=date_range)
    coverage = overview_data.coverage
    context = {
        "content": overview_data,
        "coverage": coverage,
        "top_tracks_chart": _top_chart(
            "Top tracks", overview_data.top_tracks, date_range, "top-tracks", "Track"
        ),
        "top_artists_chart": _top_chart(
            "Top artists", overview_data.top_artists, date_range, "top-artists", "Artist"
        ),
        "top_genres_chart": _top_chart(
            "Top genres", overview_data.top_genres, date_range, "top-genres", "Genre"
        ),
        "track_skips_chart": _skip_chart(
            "Most skipped tracks",
            overview_data.skipped_tracks,
            date_range,
            "track-skips",
            "Track",
            overview_data.min_plays,
        ),
        "genre_skips_chart": _skip_chart(
            "Skip rate by genre",
            overview_data.genre_skips,
            date_range,
            "genre-skips",
            "Genre",
            overview_data.min_plays,
        ),
        "coverage_chart": charts.bar_chart(
            title="The long tail: plays by track popularity",
            description="Tracks of the catalogue in tenths, most played first: each tenth's share of plays.",
            x_label="Tracks, by popularity",
            y_label="Share of plays",
            labels=[f"Top {(i + 1) * 10} %" if i == 0 else f"{i * 10}–{(i + 1) * 10} %" for i in range(10)]
            if coverage.decile_shares
            else [],
            series=[charts.Series("Share of plays", [round(v, 2) for v in coverage.decile_shares])]
            if coverage.decile_shares
            else [],
            value_format="percent",
            csv_url=_csv_url("coverage", date_range),
        ),
    }
    return _page(request, "content", date_range, form, valid, context)


# ------------------------------------------------------------------------------ playlists and radio
@require_safe
@staff_required
def playlists(request: HttpRequest) -> HttpResponse:
    """Generated playlists and radio: plays, completions and skips against everything else."""
    form, date_range, valid = _range_from(request)
    contexts = staff_stats.context_overview(date_range=date_range)
    labels = [day.isoformat() for day in date_range.each_day()]
    groups = contexts.groups
    context = {
        "contexts": contexts,
        "tables": [
            {
                "id": "sources-table",
                "title": "Generated playlists and radio against the rest",
                "first": "Source",
                "rows": groups,
                "csv_url": _csv_url("contexts", date_range),
            },
            {
                "id": "contexts-table",
                "title": "Every place plays start from",
                "first": "Context",
                "rows": contexts.by_type,
                "csv_url": _csv_url("context-types", date_range),
            },
        ],
        "rates_chart": charts.bar_chart(
            title="Completion and skip rates by source",
            description="A completion is a play that ended without a skip; a play still going is neither.",
            x_label="Source",
            y_label="Share of plays",
            labels=[row.label for row in groups],
            series=[
                charts.Series("Completed", [round(row.completion_rate or 0, 1) for row in groups]),
                charts.Series("Skipped", [round(row.skip_rate or 0, 1) for row in groups]),
            ],
            value_format="percent",
            csv_url=_csv_url("contexts", date_range),
        ),
        "daily_chart": charts.line_chart(
            title="Plays per day by source",
            x_label="Day",
            y_label="Plays",
            labels=labels,
            series=[charts.Series(label, contexts.daily[key]) for key, label in staff_stats.CONTEXT_GROUPS],
            csv_url=_csv_url("contexts", date_range),
        ),
        "minutes_chart": charts.bar_chart(
            title="Minutes per play by source",
            x_label="Source",
            y_label="Minutes",
            labels=[row.label for row in groups],
            series=[
                charts.Series("Minutes per play", [round(row.minutes_per_play or 0, 2) for row in groups])
            ],
            csv_url=_csv_url("contexts", date_range),
        ),
    }
    return _page(request, "playlists", date_range, form, valid, context)


# ------------------------------------------------------------------------------ streaming quality
@require_safe
@staff_required
def quality(request: HttpRequest) -> HttpResponse:
    """Streaming quality from the player's reports (time to first audio, stalls and errors by quality
    and format served) and the transcode cache (hit ratio, size, bytes served per day)."""
    form, date_range, valid = _range_from(request)
    data = staff_stats.quality_overview(date_range=date_range)
    transcodes = staff_stats.transcode_overview(date_range=date_range)
    labels = [day.format for day in data.daily]
    context = {
        "quality": data,
        "transcodes": transcodes,
        "transcode_chart": charts.bar_chart(
            title="Transcoded streams per day",
            description="Answered from the cache, or by running ffmpeg (a miss).",
            x_label="Day",
            y_label="Streams",
            labels=labels,
            series=[
                charts.Series("From the cache", [day.cache_hits for day in transcodes.days]),
                charts.Series("By ffmpeg", [day.cache_misses for day in transcodes.days]),
            ],
            stacked=True,
            csv_url=_csv_url("transcodes", date_range),
        ),
        "transcode_bytes_chart": charts.line_chart(
            title="Transcoded megabytes served per day",
            x_label="Day",
            y_label="MB",
            labels=labels,
            series=[charts.Series("Served", [round(day.bytes_served / 1e6, 1) for day in transcodes.days])],
            csv_url=_csv_url("transcodes", date_range),
        ),
        "ttfa_chart": charts.line_chart(
            title="Time to first audio per day",
            description="Average time from pressing play to the first sound, over plays that reported it.",
            x_label="Day",
            y_label="Milliseconds",
            labels=labels,
            series=[charts.Series("Average", [_round(day.ttfa_average) for day in data.daily])],
            value_format="ms",
            csv_url=_csv_url("quality-daily", date_range),
        ),
        "stalls_chart": charts.line_chart(
            title="Stalls and errors per 100 plays",
            x_label="Day",
            y_label="Per 100 plays",
            labels=labels,
            series=[
                charts.Series("Stalls", [_round(day.stalls_per_100, 2) for day in data.daily]),
                charts.Series("Errors", [_round(day.error_rate, 2) for day in data.daily]),
            ],
            csv_url=_csv_url("quality-daily", date_range),
        ),
        "quality_chart": charts.bar_chart(
            title="Stalls and errors by quality",
            x_label="Quality",
            y_label="Per 100 plays",
            labels=[row.quality_label for row in data.qualities],
            series=[
                charts.Series("Stalls", [_round(row.stalls_per_100, 2) for row in data.qualities]),
                charts.Series("Errors", [_round(row.error_rate, 2) for row in data.qualities]),
            ],
            csv_url=_csv_url("quality", date_range),
        ),
        "format_chart": charts.bar_chart(
            title="Time to first audio by format served",
            x_label="Format",
            y_label="Milliseconds",
            labels=[row.label for row in data.formats],
            series=[charts.Series("Average", [_round(row.ttfa_average) for row in data.formats])],
            value_format="ms",
            csv_url=_csv_url("quality", date_range),
        ),
    }
    return _page(request, "quality", date_range, form, valid, context)


def _round(value, digits: int = 0):
    return None if value is None else round(value, digits)


# ------------------------------------------------------------------------------ CSV
@require_safe
@staff_required
def csv_table(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the dashboard as CSV, for the range in the query string (400 for a bad range)."""
    if table not in staff_csv.TABLES:
        return HttpResponse(
            f"Unknown table {table!r}: one of {', '.join(staff_csv.TABLES)}.\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in form.errors.items())
        return HttpResponse(errors + "\n", status=400, content_type="text/plain; charset=utf-8")
    date_range = form.date_range
    response = HttpResponse(staff_csv.render(table, date_range), content_type="text/csv; charset=utf-8")
    name = f"streamapp-{table}-{date_range.start.isoformat()}-to-{date_range.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
