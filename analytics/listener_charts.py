"""The charts of /stats/ and the year in review, built from a listener's stats (no database access)."""

from __future__ import annotations

from analytics import charts
from analytics.listener_stats import WEEKDAYS, GenreShift, ListenerStats, YearInReview


def minutes_per_day(stats: ListenerStats) -> charts.Chart:
    return charts.bar_chart(
        title="Minutes per day",
        x_label="Day",
        y_label="Minutes",
        labels=[f"{day:%a} {day.day} {day:%b}" for day, _ in stats.minutes_per_day],
        series=[charts.Series("Minutes", [minutes for _, minutes in stats.minutes_per_day])],
        value_format="minutes",
        description="The last 28 days, in your time zone.",
        dom_id="chart-minutes-day",
    )


def minutes_per_week(stats: ListenerStats) -> charts.Chart:
    return charts.line_chart(
        title="Minutes per week",
        x_label="Week starting",
        y_label="Minutes",
        labels=[f"{week.day} {week:%b %Y}" for week, _ in stats.minutes_per_week],
        series=[charts.Series("Minutes", [minutes for _, minutes in stats.minutes_per_week])],
        value_format="minutes",
        description=f"{stats.range_label}, weeks from Monday.",
        dom_id="chart-minutes-week",
        area=True,
    )


def listening_clock(stats: ListenerStats) -> charts.Chart:
    return charts.heatmap_chart(
        title="Listening clock",
        x_label="Hour",
        y_label="Weekday",
        columns=[f"{hour:02d}" for hour in range(24)],
        rows=list(WEEKDAYS),
        values=stats.clock,
        description=f"Listens by weekday and hour ({stats.range_label.lower()}, {stats.time_zone}).",
        dom_id="chart-clock",
        show_values=False,
    )


def genre_shift(shift: GenreShift, *, description: str = "") -> charts.Chart:
    chart = charts.bar_chart(
        title="How your genres shift",
        x_label="Month",
        y_label="Share of genre listens",
        labels=[f"{month:%b %Y}" for month in shift.months],
        series=[
            charts.Series(name, [round(share * 100, 1) for share in shares]) for name, shares in shift.series
        ],
        value_format="percent",
        description=description or "Your top genres' share of each month's listens.",
        dom_id="chart-genre-shift",
        stacked=True,
    )
    # Shares of one month add up to 100 %: keep the axis there rather than at a rounded-up 150 %.
    chart.config["options"]["scales"]["y"]["max"] = 100
    return chart


def genre_story_months(review: YearInReview) -> charts.Chart | None:
    story = review.genre_story
    if story is None:
        return None
    return charts.bar_chart(
        title=f"{story.genre.name} through {review.year}",
        x_label="Month",
        y_label="Listens",
        labels=[f"{month:%b}" for month, _ in story.months],
        series=[charts.Series(story.genre.name, [n for _, n in story.months])],
        description="Listens of your top genre, month by month.",
        dom_id="chart-genre-story",
    )


def year_minutes_per_month(review: YearInReview) -> charts.Chart:
    per_month = review.minutes_per_month
    return charts.bar_chart(
        title=f"Minutes per month in {review.year}",
        x_label="Month",
        y_label="Minutes",
        labels=[f"{month:%b}" for month, _ in per_month],
        series=[charts.Series("Minutes", [minutes for _, minutes in per_month])],
        value_format="minutes",
        dom_id="chart-year-months",
    )
