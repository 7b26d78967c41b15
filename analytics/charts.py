"""Charts for the analytics pages: plain data in, a context for templates/analytics/_chart.html out.

A view builds a chart with ``line_chart``, ``bar_chart`` or ``heatmap_chart`` and renders it with
``{% include "analytics/_chart.html" with chart=... %}``. Line and bar charts are drawn in the browser by
Chart.js (static/vendor/chartjs/, started by static/streamapp/js/charts.js); a heatmap is an HTML table
coloured by CSS. Every chart also renders its numbers as a table, so they stay readable without
JavaScript and reachable by screen readers. Nothing here touches the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.text import slugify

# How a value is written in the table and in the chart's ticks and tooltips (charts.js knows the same).
FORMATS = ("number", "percent", "ms", "minutes", "hours")


@dataclass(frozen=True)
class Series:
    """One line or one set of bars: a name and one value per label (None where there is no value)."""

    name: str
    values: Sequence[float | int | None]


@dataclass
class Chart:
    """Everything _chart.html needs: what to draw (``config``) and the same numbers as a table."""

    dom_id: str
    kind: str  # "line", "bar" or "heatmap"
    title: str
    x_label: str
    y_label: str
    value_format: str
    description: str = ""
    csv_url: str = ""
    # Line and bar charts: the Chart.js configuration, serialised by json_script in the template.
    config: dict = field(default_factory=dict)
    # The table: column headings (the first names the rows) and rows of (heading, formatted cells).
    table_head: list[str] = field(default_factory=list)
    table_rows: list[tuple[str, list[str]]] = field(default_factory=list)
    # Heatmaps: rows of (heading, [(column heading, formatted value, intensity 0..1), ...]).
    heat_rows: list[tuple[str, list[tuple[str, str, float]]]] = field(default_factory=list)
    show_values: bool = True

    @property
    def is_empty(self) -> bool:
        return not self.table_rows and not self.heat_rows

    @property
    def title_id(self) -> str:
        return f"{self.dom_id}-title"

    @property
    def config_id(self) -> str:
        return f"{self.dom_id}-config"


def format_value(value: float | int | None, value_format: str = "number") -> str:
    """Return a value as the charts write it: 1,234 / 12.5 % / 840 ms / 1,234 min / 20.6 h ('–' for none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value_format == "percent":
        return f"{value:,.1f} %"
    if value_format == "ms":
        return f"{value:,.0f} ms"
    if value_format == "minutes":
        return f"{value:,.0f} min"
    if value_format == "hours":
        return f"{value:,.1f} h"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _check(kind: str, value_format: str, labels: Sequence, series: Sequence[Series]) -> None:
    if value_format not in FORMATS:
        raise ValueError(f"unknown value format {value_format!r}: use one of {', '.join(FORMATS)}")
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(
                f"{kind} series {one.name!r} has {len(one.values)} values for {len(labels)} labels"
            )


def _dom_id(dom_id: str, title: str) -> str:
    return dom_id or "chart-" + slugify(title)


def _series_table(labels, series, value_format):
    rows = [
        (str(label), [format_value(one.values[i], value_format) for one in series])
        for i, label in enumerate(labels)
    ]
    return rows


def _axis_config(x_label: str, y_label: str, value_format: str, *, horizontal: bool = False, stacked=False):
    value_axis = {"title": {"display": True, "text": y_label}, "beginAtZero": True, "stacked": stacked}
    category_axis = {"title": {"display": True, "text": x_label}, "stacked": stacked}
    if horizontal:
        return {"x": value_axis, "y": category_axis}
    return {"x": category_axis, "y": value_axis}


def line_chart(
    *,
    title: str,
    x_label: str,
    y_label: str,
    labels: Sequence,
    series: Sequence[Series],
    value_format: str = "number",
    description: str = "",
    csv_url: str = "",
    dom_id: str = "",
    area: bool = False,
) -> Chart:
    """Return a line chart of one or more series over the same labels (usually days or weeks)."""
    _check("line", value_format, labels, series)
    config = {
        "type": "line",
        "format": value_format,
        "data": {
            "labels": [str(label) for label in labels],
            "datasets": [
                {"label": one.name, "data": list(one.values), "fill": area and index == 0}
                for index, one in enumerate(series)
            ],
        },
        "options": {"scales": _axis_config(x_label, y_label, value_format)},
    }
    return Chart(
        dom_id=_dom_id(dom_id, title),
        kind="line",
        title=title,
        x_label=x_label,
        y_label=y_label,
        value_format=value_format,
        description=description,
        csv_url=csv_url,
        config=config,
        table_head=[x_label, *[one.name for one in series]],
        table_rows=_series_table(labels, series, value_format),
    )


def bar_chart(
    *,
    title: str,
    x_label: str,
    y_label: str,
    labels: Sequence,
    series: Sequence[Series],
    value_format: str = "number",
    description: str = "",
    csv_url: str = "",
    dom_id: str = "",
    horizontal: bool = False,
    stacked: bool = False,
) -> Chart:
    """Return a bar chart (grouped, or stacked; horizontal for long category names such as tracks).

    ``x_label`` always names the categories and ``y_label`` the values, whichever way the bars run.
    """
    _check("bar", value_format, labels, series)
    config = {
        "type": "bar",
        "format": value_format,
        "data": {
            "labels": [str(label) for label in labels],
            "datasets": [{"label": one.name, "data": list(one.values)} for one in series],
        },
        "options": {
            "indexAxis": "y" if horizontal else "x",
            "scales": _axis_config(x_label, y_label, value_format, horizontal=horizontal, stacked=stacked),
        },
    }
    return Chart(
        dom_id=_dom_id(dom_id, title),
        kind="bar",
        title=title,
        x_label=x_label,
        y_label=y_label,
        value_format=value_format,
        description=description,
        csv_url=csv_url,
        config=config,
        table_head=[x_label, *[one.name for one in series]],
        table_rows=_series_table(labels, series, value_format),
    )


def heatmap_chart(
    *,
    title: str,
    x_label: str,
    y_label: str,
    columns: Sequence,
    rows: Sequence,
    values: Sequence[Sequence[float | int | None]],
    value_format: str = "number",
    description: str = "",
    csv_url: str = "",
    dom_id: str = "",
    show_values: bool = True,
) -> Chart:
    """Return a heatmap: ``values[r][c]`` for row ``rows[r]`` and column ``columns[c]``.

    Cells are shaded by their share of the largest value (e.g. weekdays x hours for a listening clock,
    cohort weeks x weeks since for retention). With ``show_values=False`` the numbers are only read out
    to screen readers and shown on hover (for dense grids such as 7 x 24).
    """
    if value_format not in FORMATS:
        raise ValueError(f"unknown value format {value_format!r}: use one of {', '.join(FORMATS)}")
    if len(values) != len(rows) or any(len(row) != len(columns) for row in values):
        raise ValueError("heatmap values must have one row per row label and one value per column")
    numbers = [v for row in values for v in row if v is not None]
    top = max(numbers, default=0) or 1
    heat_rows = [
        (
            str(label),
            [
                (
                    str(column),
                    format_value(value, value_format),
                    0.0 if value is None else max(0.0, value / top),
                )
                for column, value in zip(columns, row, strict=True)
            ],
        )
        for label, row in zip(rows, values, strict=True)
    ]
    return Chart(
        dom_id=_dom_id(dom_id, title),
        kind="heatmap",
        title=title,
        x_label=x_label,
        y_label=y_label,
        value_format=value_format,
        description=description,
        csv_url=csv_url,
        table_head=[y_label, *[str(column) for column in columns]],
        heat_rows=heat_rows,
        show_values=show_values,
    )
