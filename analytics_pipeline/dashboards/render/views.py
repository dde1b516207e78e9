"""What a widget shows, worked out once for both formats (HTML and PDF): a
table's headers, formats and cells, a chart's points (`ChartData`), a metric
card's texts. Labels and rates come from the report machinery
(`reports.columns`): the query's labels, then the dbt docs of the table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from analytics_pipeline.dashboards.data import MetricValue, WidgetRows, widget_query
from analytics_pipeline.dashboards.definition import DashboardDefinition, Widget
from analytics_pipeline.dashboards.numbers import format_change, format_number, raw_text
from analytics_pipeline.reports.columns import column_docs, column_styles
from analytics_pipeline.reports.render.chart import ChartData, ChartSpec
from analytics_pipeline.reports.render.values import ColumnStyle
from analytics_pipeline.reports.sources import REPORT_SOURCES

NO_DATA = "No data for this period"
MAX_CHART_POINTS = 500


def period_text(span: tuple) -> str:
    start, end = span
    return start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"


@dataclass(frozen=True)
class Cell:
    raw: str  # the exact value (data attributes)
    text: str  # as shown
    number: bool  # right-aligned


@dataclass(frozen=True)
class TableView:
    columns: tuple[str, ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class MetricView:
    value: str
    previous: str
    change: str
    direction: str  # up, down or flat (the change's sign)
    period: str
    previous_period: str


def styles(definition: DashboardDefinition, widget: Widget, span: tuple) -> list[ColumnStyle]:
    """One style per result column of a chart or table widget."""
    query = widget_query(definition, widget, span)
    source = REPORT_SOURCES[query.configuration.data_source]
    return column_styles(query, source, column_docs(source))


def table_view(definition: DashboardDefinition, widget: Widget, data: WidgetRows) -> TableView:
    by_column = dict(zip(data.columns, styles(definition, widget, data.period), strict=True))
    shown = [item.column for item in widget.table_columns] or list(data.columns)
    formats = [
        widget.number_format(column) or ("percent" if by_column[column].percent else None)
        for column in shown
    ]
    positions = [data.columns.index(column) for column in shown]
    rows = tuple(
        tuple(
            _cell(by_column[column].show(row[i]), fmt)
            for column, i, fmt in zip(shown, positions, formats, strict=True)
        )
        for row in data.rows
    )
    headers = tuple(widget.label(column) or by_column[column].label for column in shown)
    return TableView(tuple(shown), headers, rows)


def _cell(value: object, number_format: str | None) -> Cell:
    is_number = not isinstance(value, bool) and isinstance(value, int | float | Decimal)
    return Cell(raw_text(value), format_number(value, number_format), is_number)


def chart_data(definition: DashboardDefinition, widget: Widget, data: WidgetRows) -> ChartData:
    """The chart's points from the widget's rows (at most MAX_CHART_POINTS)."""
    chart = widget.chart
    assert chart is not None
    kind = chart.type
    spec = ChartSpec(kind, chart.x, chart.y)
    labelled = [
        ColumnStyle(widget.label(column) or style.label, style.percent, style.names)
        for column, style in zip(data.columns, styles(definition, widget, data.period), strict=True)
    ]
    points = ChartData(spec, data.columns, MAX_CHART_POINTS, labelled)
    for row in data.rows:
        points.add(row)
    return points


def metric_view(widget: Widget, data: MetricValue) -> MetricView:
    fmt = widget.metric.format if widget.metric else None
    change = data.change_percent
    direction = "flat" if change is None or change == 0 else ("up" if change > 0 else "down")
    return MetricView(
        value=format_number(data.value, fmt),
        previous=format_number(data.previous, fmt),
        change=format_change(change),
        direction=direction,
        period=period_text(data.period),
        previous_period=period_text(data.previous_period),
    )


def reading_order(widgets: Sequence[Widget]) -> list[Widget]:
    """The widgets row by row, left to right (the order of the PDF and of the
    stacked narrow-screen layout)."""
    return sorted(widgets, key=lambda w: (w.layout.row, w.layout.column))
