"""The shared chart component: analytics/charts.py builds it, templates/analytics/_chart.html renders it."""

import json
import re

import pytest
from django.template.loader import render_to_string

from analytics import charts


def _render(chart) -> str:
    return render_to_string("analytics/_chart.html", {"chart": chart})


def test_line_chart_renders_title_axes_config_and_a_table_of_its_numbers():
    chart = charts.line_chart(
        title="Minutes listened per day",
        x_label="Day",
        y_label="Minutes",
        labels=["2026-11-01", "2026-11-02"],
        series=[charts.Series("Minutes", [42, 1234.4]), charts.Series("Listeners", [3, None])],
        value_format="minutes",
        csv_url="/staff/analytics/csv/activity/?from=2026-11-01&to=2026-11-02",
    )
    html = _render(chart)

    assert (
        '<h3 class="chart-title" id="chart-minutes-listened-per-day-title">Minutes listened per day</h3>'
        in html
    )
    assert 'aria-labelledby="chart-minutes-listened-per-day-title"' in html
    config = json.loads(
        re.search(
            r'<script id="chart-minutes-listened-per-day-config" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert config["type"] == "line"
    assert config["format"] == "minutes"
    assert config["data"]["labels"] == ["2026-11-01", "2026-11-02"]
    assert [d["data"] for d in config["data"]["datasets"]] == [[42, 1234.4], [3, None]]
    assert config["options"]["scales"]["x"]["title"] == {"display": True, "text": "Day"}
    assert config["options"]["scales"]["y"]["title"] == {"display": True, "text": "Minutes"}
    assert 'data-chart="chart-minutes-listened-per-day-config"' in html
    # The numbers as a table: axis name and series names as column headings, one row per label.
    assert '<th scope="col">Day</th><th scope="col">Minutes</th><th scope="col">Listeners</th>' in html
    assert '<tr><th scope="row">2026-11-01</th><td>42 min</td><td>3 min</td></tr>' in html
    assert '<tr><th scope="row">2026-11-02</th><td>1,234 min</td><td>–</td></tr>' in html
    assert 'href="/staff/analytics/csv/activity/?from=2026-11-01&amp;to=2026-11-02"' in html


def test_horizontal_bar_chart_swaps_its_axes_but_keeps_the_labels_meaning():
    chart = charts.bar_chart(
        title="Skip rate by genre",
        x_label="Genre",
        y_label="Skip rate",
        labels=["Jazz", "Rock"],
        series=[charts.Series("Skip rate", [12.5, 40])],
        value_format="percent",
        horizontal=True,
    )
    html = _render(chart)
    assert chart.config["options"]["indexAxis"] == "y"
    assert chart.config["options"]["scales"]["y"]["title"]["text"] == "Genre"
    assert chart.config["options"]["scales"]["x"]["title"]["text"] == "Skip rate"
    assert "is-horizontal" in html
    assert '<tr><th scope="row">Jazz</th><td>12.5 %</td></tr>' in html


def test_heatmap_is_a_table_shaded_by_share_of_the_largest_value():
    chart = charts.heatmap_chart(
        title="Retention by weekly cohort",
        x_label="Weeks since first listen",
        y_label="Cohort week",
        columns=[0, 1],
        rows=["2026-11-02", "2026-11-09"],
        values=[[100.0, 50.0], [100.0, None]],
        value_format="percent",
    )
    html = _render(chart)
    assert "<canvas" not in html
    assert '<th scope="col">0</th><th scope="col">1</th>' in html
    assert "Weeks since first listen →" in html
    half = '<td style="--heat: 0.500" title="2026-11-02, weeks since first listen 1: 50.0 %">'
    assert half + '<span class="heatmap-value">50.0 %</span></td>' in html
    empty = '<td style="--heat: 0.000" title="2026-11-09, weeks since first listen 1: –">'
    assert empty + '<span class="heatmap-value">–</span></td>' in html


def test_a_chart_without_data_says_so_instead_of_drawing_nothing():
    chart = charts.line_chart(title="Plays", x_label="Day", y_label="Plays", labels=[], series=[])
    html = _render(chart)
    assert "No data in this period." in html
    assert "<canvas" not in html


def test_series_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        charts.line_chart(
            title="t", x_label="x", y_label="y", labels=[1, 2, 3], series=[charts.Series("s", [1, 2])]
        )
    with pytest.raises(ValueError, match="unknown value format"):
        charts.bar_chart(title="t", x_label="x", y_label="y", labels=[], series=[], value_format="euros")


@pytest.mark.parametrize(
    ("value", "value_format", "text"),
    [
        (1234, "number", "1,234"),
        (0.125, "number", "0.12"),
        (12.345, "percent", "12.3 %"),
        (840.4, "ms", "840 ms"),
        (20.55, "hours", "20.6 h"),
        (None, "number", "–"),
    ],
)
def test_values_are_written_as_the_charts_show_them(value, value_format, text):
    assert charts.format_value(value, value_format) == text
