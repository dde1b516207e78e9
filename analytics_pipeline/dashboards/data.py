"""A dashboard's data: one scoped, parameterized query per widget (and three
for a metric card), each a report definition run by `reports.query`.

A widget's query is a report definition of its own (the dashboard's
workspace, the widget's period as an absolute date range), so it gets
everything a report query has: the source registry, the catalog check of its
columns, bound parameters, the workspace scope (row-level security of the
reader role, the all-workspaces rows of a source that has them), a READ ONLY
transaction with a statement timeout.

A metric card reads:

- `value`: the metric's aggregate over the period (with the count of rows,
  so an empty period is told from a zero);
- `previous`: the same over the preceding period of equal length (the 7 days
  before a 7-day period);
- `change_percent`: (value - previous) / previous * 100, None when either is
  None or previous is 0 (as `analytics_metrics.change_percentage`);
- `sparkline`: the aggregate per day of the source's date column over the
  period (per period_start: one point per day, week or month of
  analytics_metrics).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from psycopg2.extensions import connection

from analytics_pipeline.dashboards.definition import DashboardDefinition, Metric, Widget
from analytics_pipeline.reports.date_ranges import DateSpan, resolve_date_range
from analytics_pipeline.reports.definition import (
    Aggregation,
    DateRange,
    ReportConfiguration,
    ReportDefinition,
    Sort,
)
from analytics_pipeline.reports.query import DEFAULT_STATEMENT_TIMEOUT_MS, open_report_cursor
from analytics_pipeline.reports.sources import REPORT_SOURCES

# Rows one chart or table widget reads at most (a table shows them all; a
# chart plots at most its points limit of them).
MAX_WIDGET_ROWS = 5_000
_ROWS = Aggregation("count")  # the count of rows, alias row_count


@dataclass(frozen=True)
class MetricValue:
    """A metric card's numbers."""

    value: Any  # Decimal, int or None (psycopg2's type of the aggregate)
    previous: Any
    change_percent: Decimal | None
    sparkline: tuple[tuple[date, Any], ...]
    row_count: int  # rows of the period behind `value`
    period: DateSpan
    previous_period: DateSpan

    @property
    def has_data(self) -> bool:
        return self.row_count > 0


@dataclass(frozen=True)
class WidgetRows:
    """A chart's or table's result."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    period: DateSpan

    @property
    def has_data(self) -> bool:
        return bool(self.rows)


WidgetData = MetricValue | WidgetRows


@dataclass(frozen=True)
class DashboardData:
    definition: DashboardDefinition
    reference_date: date  # the dashboard's "today" (relative date ranges)
    period: DateSpan  # the dashboard's own date range, resolved
    widgets: dict[str, WidgetData]  # by widget id

    @property
    def record_count(self) -> int:
        """Rows behind the widgets (what the execution record counts)."""
        return sum(
            data.row_count if isinstance(data, MetricValue) else len(data.rows)
            for data in self.widgets.values()
        )


def widget_period(definition: DashboardDefinition, widget: Widget, today: date) -> DateSpan:
    return resolve_date_range(definition.widget_date_range(widget), today)


def previous_period(span: DateSpan) -> DateSpan:
    """The period of equal length ending the day before `span` starts."""
    start, end = span
    length = end - start + timedelta(days=1)
    return start - length, start - timedelta(days=1)


def widget_query(
    definition: DashboardDefinition, widget: Widget, span: DateSpan
) -> ReportDefinition:
    """A chart or table widget's query as a report definition over `span`."""
    if widget.query is None:
        raise ValueError(f"widget {widget.id!r} ({widget.type}) has no query")
    return widget_scope(definition, widget).report(_dated(widget.query, span))


@dataclass(frozen=True)
class QueryScope:
    """Who a metric's queries are run for: the report id and name they carry
    (in logs and errors) and the workspace they are scoped to (None: all)."""

    id: str
    name: str
    workspace_id: str | None

    def report(self, configuration: ReportConfiguration) -> ReportDefinition:
        return ReportDefinition(
            id=self.id,
            name=self.name,
            report_type="dashboard",
            configuration=configuration,
            workspace_id=self.workspace_id,
        )


def widget_scope(definition: DashboardDefinition, widget: Widget) -> QueryScope:
    return QueryScope(
        f"{definition.id}__{widget.id}",
        f"{definition.name}: {widget.title}",
        definition.workspace_id,
    )


def metric_queries(
    metric: Metric, span: DateSpan, scope: QueryScope
) -> tuple[ReportDefinition, ReportDefinition, ReportDefinition]:
    """A metric's (value, previous value, sparkline) queries over `span`."""
    aggregate = metric_aggregation(metric)
    totals = (aggregate,) if aggregate.alias == _ROWS.alias else (aggregate, _ROWS)
    date_column = REPORT_SOURCES[metric.data_source].date_column
    value = ReportConfiguration(metric.data_source, filters=metric.filters, aggregations=totals)
    sparkline = ReportConfiguration(
        metric.data_source,
        filters=metric.filters,
        grouping=(date_column,),
        aggregations=(aggregate,),
        sorting=(Sort(date_column),),
    )
    return (
        scope.report(_dated(value, span)),
        scope.report(_dated(value, previous_period(span))),
        scope.report(_dated(sparkline, span)),
    )


def metric_aggregation(metric: Metric) -> Aggregation:
    return Aggregation(metric.function, metric.column)


def _dated(configuration: ReportConfiguration, span: DateSpan) -> ReportConfiguration:
    start, end = span
    return replace(configuration, date_range=DateRange(start=start, end=end))


def change_percent(value: Any, previous: Any) -> Decimal | None:
    if value is None or previous is None or previous == 0:
        return None
    return (Decimal(value) - Decimal(previous)) / Decimal(previous) * 100


def fetch_dashboard_data(
    conn: connection,
    definition: DashboardDefinition,
    reference_date: date,
    *,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
) -> DashboardData:
    """Run every widget's queries on `conn` (the reader role's, in production),
    each in its own READ ONLY transaction."""
    widgets: dict[str, WidgetData] = {}
    for widget in definition.widgets:
        span = widget_period(definition, widget, reference_date)
        if widget.type == "metric":
            widgets[widget.id] = measure_metric(
                conn,
                widget.metric,
                span,
                widget_scope(definition, widget),
                reference_date,
                statement_timeout_ms=statement_timeout_ms,
            )
        else:
            columns, rows = _run(
                conn,
                widget_query(definition, widget, span),
                reference_date,
                statement_timeout_ms,
                max_rows=MAX_WIDGET_ROWS,
            )
            widgets[widget.id] = WidgetRows(tuple(columns), tuple(rows), span)
    period = resolve_date_range(definition.date_range, reference_date)
    return DashboardData(definition, reference_date, period, widgets)


def measure_metric(
    conn: connection,
    metric: Metric,
    span: DateSpan,
    scope: QueryScope,
    today: date,
    *,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
    with_sparkline: bool = True,
) -> MetricValue:
    """A metric's value over `span`, the previous equal period's and the change
    (and the daily sparkline unless `with_sparkline` is false): what a metric
    card shows and an alert rule judges."""
    value_query, previous_query, sparkline_query = metric_queries(metric, span, scope)
    current = _totals(conn, value_query, today, statement_timeout_ms)
    previous = _totals(conn, previous_query, today, statement_timeout_ms)
    points: list[tuple[Any, ...]] = []
    if with_sparkline:
        _, points = _run(conn, sparkline_query, today, statement_timeout_ms)
    value = current["value"] if current["rows"] else None
    before = previous["value"] if previous["rows"] else None
    return MetricValue(
        value=value,
        previous=before,
        change_percent=change_percent(value, before),
        sparkline=tuple((day, amount) for day, amount in points),
        row_count=current["rows"],
        period=span,
        previous_period=previous_period(span),
    )


def _totals(
    conn: connection, query: ReportDefinition, today: date, statement_timeout_ms: int
) -> dict[str, Any]:
    columns, rows = _run(conn, query, today, statement_timeout_ms)
    (row,) = rows
    result = dict(zip(columns, row, strict=True))
    alias = query.configuration.aggregations[0].alias
    return {"value": result[alias], "rows": result[_ROWS.alias]}


def _run(
    conn: connection,
    query: ReportDefinition,
    today: date,
    statement_timeout_ms: int,
    max_rows: int | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    options: dict[str, Any] = {"statement_timeout_ms": statement_timeout_ms}
    if max_rows is not None:
        options["max_rows"] = max_rows
    with open_report_cursor(conn, query, today, **options) as (columns, rows):
        return columns, list(rows)
