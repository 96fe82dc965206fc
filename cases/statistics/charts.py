"""Charts of the dashboards, drawn on the server as inline SVG: the geometry of bar and
column charts for a statistics table (cases/statistics/stats.py). The templates
(templates/dashboards/_chart.html) draw them without script or inline style; colours come
from classes in static/css/dashboards.css, and every chart stands beside the table with
the same figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

from cases.statistics import stats

CHART_WIDTH = 640


@dataclass
class Mark:
    """One bar or column with its label and its value text."""

    label: str
    text: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    text_x: float
    text_y: float
    is_total: bool = False


@dataclass
class Chart:
    kind: str
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    grid: list[tuple[float, str]] = field(default_factory=list)  # (y, text) of the value axis
    axis_y: float = 0
    left: float = 0  # where the value axis is drawn

    def marks_svg(self) -> str:
        """The marks as SVG elements, built here rather than by template nodes: a chart of a
        canton's case managers has hundreds of bars. Coordinates are plain numbers (no
        localisation), texts escaped."""
        return mark_safe("".join(_column_svg(m) if self.kind == "columns" else _bar_svg(m) for m in self.marks))


def _rect(mark: Mark) -> str:
    return f'<rect class="chart-mark" x="{mark.x}" y="{mark.y}" width="{mark.width}" height="{mark.height}"/>'


def _bar_svg(mark: Mark) -> str:
    return (
        f'<text class="chart-label" x="{mark.label_x}" y="{mark.label_y}" text-anchor="end">{escape(mark.label)}</text>'
        + _rect(mark)
        + f'<text class="chart-value" x="{mark.text_x}" y="{mark.text_y}">{escape(mark.text)}</text>'
    )


def _column_svg(mark: Mark) -> str:
    svg = _rect(mark)
    if mark.text:
        svg += f'<text class="chart-value" x="{mark.text_x}" y="{mark.text_y}" text-anchor="middle">{escape(mark.text)}</text>'
    if mark.label:
        svg += f'<text class="chart-label" x="{mark.label_x}" y="{mark.label_y}" text-anchor="middle">{escape(mark.label)}</text>'
    return svg


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at least ``value`` (the top of the value axis)."""
    if value <= 0:
        return 1
    scale = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * scale:
            return step * scale
    return 10 * scale


def _shorten(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _chart_value(cell: stats.Cell) -> float:
    """What the chart draws: nothing for a hidden (suppressed) count."""
    return 0 if cell.hidden or cell.value is None else float(cell.value)


def bar_chart(table: stats.Table) -> Chart:
    """Horizontal bars for the first value column of each row (totals left out)."""
    rows = table.body
    label_width, row_height, bar_height = 250, 28, 18
    plot = CHART_WIDTH - label_width - 60
    top = nice_ceiling(max((_chart_value(r.cells[0]) for r in rows), default=0))
    chart = Chart("bars", CHART_WIDTH, row_height * len(rows) + 8)
    for i, row in enumerate(rows):
        cell = row.cells[0]
        width = plot * _chart_value(cell) / top
        y = 4 + i * row_height
        chart.marks.append(
            Mark(
                label=_shorten(row.label, 36),
                text=cell.text,
                x=label_width,
                y=y + (row_height - bar_height) / 2,
                width=round(width, 1),
                height=bar_height,
                label_x=label_width - 8,
                label_y=y + row_height / 2 + 4,
                text_x=round(label_width + width + 6, 1),
                text_y=y + row_height / 2 + 4,
            )
        )
    return chart


def column_chart(table: stats.Table) -> Chart:
    """Vertical columns for the first value column of each row (months), with a value axis."""
    rows = table.body
    left, bottom, top_margin, height = 44, 40, 18, 240
    plot_w, plot_h = CHART_WIDTH - left - 8, height - bottom - top_margin
    top = nice_ceiling(max((_chart_value(r.cells[0]) for r in rows), default=0))
    slot = plot_w / max(len(rows), 1)
    every = max(1, round(len(rows) / 12))  # at most about twelve labels under the axis
    chart = Chart("columns", CHART_WIDTH, height, axis_y=height - bottom, left=left)
    for fraction in (0, 0.5, 1):
        value = top * fraction
        chart.grid.append(
            (round(height - bottom - plot_h * fraction, 1), stats.format_number(value if value % 1 else int(value)))
        )
    for i, row in enumerate(rows):
        cell = row.cells[0]
        h = plot_h * _chart_value(cell) / top
        x = left + i * slot + slot * 0.15
        chart.marks.append(
            Mark(
                label=row.short or row.label if i % every == 0 else "",
                text=cell.text if len(rows) <= 24 else "",
                x=round(x, 1),
                y=round(height - bottom - h, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                label_x=round(x + slot * 0.35, 1),
                label_y=height - bottom + 16,
                text_x=round(x + slot * 0.35, 1),
                text_y=round(height - bottom - h - 4, 1),
            )
        )
    return chart


def chart_for(table: stats.Table) -> Chart | None:
    if table.chart == "bars" and table.body:
        return bar_chart(table)
    if table.chart == "columns" and table.body:
        return column_chart(table)
    return None


@dataclass
class Figure:
    """A table and its chart, as the templates show them."""

    table: stats.Table
    chart: Chart | None


def figures(*tables: stats.Table) -> list[Figure]:
    return [Figure(table, chart_for(table)) for table in tables]
