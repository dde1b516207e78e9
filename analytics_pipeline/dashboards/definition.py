"""Dashboard definitions: several widgets on a 12-column grid, for one role and
one workspace (or all), over one date range.

`parse_dashboard` turns a mapping (a `dashboards/*.yml` file or a row of
`control.dashboard_definitions`) into a frozen `DashboardDefinition` or raises
one `DefinitionError` naming each bad field by its path
(`widgets[2].chart.y[0]: 'runs' is not a result column (one of ...)`), like the
report definitions, whose pieces it is built from: the schedule model (formats
here html and pdf), the date ranges, and for chart and table widgets the
report configuration itself (`query`: data_source, columns or grouping and
aggregations, filters, sorting, limit). Columns are checked against the
warehouse catalog when the widget's query is built (`reports.query`).

Shape of a definition (YAML)::

    id: agent_platform_overview     # slug; in dashboards/<id>.yml
    name: Agent platform overview
    description: ...                # optional
    role: OWNER                     # optional: who the dashboard is for (free text)
    workspace_id: null              # required key; null = all workspaces (as reports)
    date_range: last_30_days        # every widget's period unless it sets its own
    schedule: {frequency: daily, time: "07:00", timezone: UTC, formats: [html, pdf]}
    widgets:
      - id: runs                    # slug, unique in the dashboard
        type: metric                # metric | chart | table
        title: Agent runs
        layout: {row: 1, column: 1, width: 3, height: 1}   # 12 columns; no overlaps
        metric:                     # the value over the period, the previous
          data_source: analytics_metrics   # equal-length period, change, daily sparkline
          metric_name: total_runs   # analytics_metrics only (+ period_type, category)
          period_type: day          # default day
          function: sum             # sum avg min max count count_distinct
          column: value             # default value on analytics_metrics; else required
          format: integer           # integer | number | percent (a fraction shown x 100)
      - id: runs_by_day
        type: chart
        title: Runs per day
        layout: {row: 2, column: 1, width: 8, height: 2}
        date_range: last_90_days    # optional: the widget's own period
        query: {data_source: daily_metrics, columns: [metric_date, total_runs]}
        chart: {type: line, x: metric_date, y: [total_runs]}  # line bar stacked_bar pie area
      - id: top_agents
        type: table
        title: Top agents
        layout: {row: 2, column: 9, width: 4, height: 2}
        query: {data_source: top_agents, columns: [agent_name, total_runs], limit: 10}
        table:                      # optional: the columns shown, labels, number formats
          columns: [{column: total_runs, label: Runs, format: integer}]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, field_validator, model_validator

from analytics_pipeline.reports.definition import (
    AggregateFunction,
    Column,
    ColumnNames,
    ConfigurationSpec,
    DataSource,
    DateRange,
    DateRangeItem,
    Description,
    Filter,
    Filters,
    Flag,
    Label,
    Location,
    ReportConfiguration,
    ReportSchedule,
    ScheduleSpec,
    Slug,
    Spec,
    Text,
    WithoutFieldTitles,
    choice,
    configuration_record,
    date_range_record,
    list_of,
    load_definition_file,
    load_definition_files,
    or_bare,
    problem,
    problems_at,
    schedule_record,
    validate_spec,
    whole_number,
)
from analytics_pipeline.reports.sources import REPORT_SOURCES

WIDGET_TYPES = ("metric", "chart", "table")
CHART_TYPES = ("line", "bar", "stacked_bar", "pie", "area")
NUMBER_FORMATS = ("integer", "number", "percent")
PERIOD_TYPES = ("day", "week", "month")
FORMATS = ("html", "pdf")
GRID_COLUMNS = 12
MAX_GRID_ROWS = 100
MAX_WIDGETS = 60
# The long KPI table metric widgets may read by metric name.
METRICS_SOURCE = "analytics_metrics"
_DEFAULT_FORMATS = ("html",)
# Report configuration fields a widget sets elsewhere.
_WIDGET_OWNED = {
    "chart_type": "set the chart in the widget's chart (type, x, y)",
    "chart_x": "set the chart in the widget's chart (type, x, y)",
    "chart_y": "set the chart in the widget's chart (type, x, y)",
    "date_range": "set it on the widget (date_range), or on the dashboard",
}


@dataclass(frozen=True)
class Cell:
    """A widget's place on the grid: 1-based row and column, spans in grid units."""

    row: int
    column: int
    width: int
    height: int = 1

    def overlaps(self, other: Cell) -> bool:
        return (
            self.row < other.row + other.height
            and other.row < self.row + self.height
            and self.column < other.column + other.width
            and other.column < self.column + self.width
        )


@dataclass(frozen=True)
class Metric:
    """A KPI: `function` of `column` (None: count of rows) over the rows of the
    period that pass `filters` (the metric name, period type and category of an
    analytics_metrics metric come first among them)."""

    data_source: str
    function: str
    column: str | None
    filters: tuple[Filter, ...] = ()
    metric_name: str | None = None
    period_type: str | None = None
    category: str | None = None
    format: str = "number"


@dataclass(frozen=True)
class ChartSettings:
    type: str
    x: str
    y: tuple[str, ...]


@dataclass(frozen=True)
class TableColumn:
    column: str
    label: str | None = None
    format: str | None = None  # None: values as they are


@dataclass(frozen=True)
class Widget:
    id: str
    type: str
    title: str
    layout: Cell
    description: str = ""
    date_range: DateRange | None = None  # None: the dashboard's
    metric: Metric | None = None  # metric widgets
    query: ReportConfiguration | None = None  # chart and table widgets
    chart: ChartSettings | None = None  # chart widgets
    table_columns: tuple[TableColumn, ...] = ()  # table widgets; () = every result column

    @property
    def data_source(self) -> str:
        return self.metric.data_source if self.metric else self.query.data_source

    def label(self, column: str) -> str | None:
        """The label the widget gives a result column (table columns, then the query's)."""
        for item in self.table_columns:
            if item.column == column and item.label:
                return item.label
        return self.query.label(column) if self.query else None

    def number_format(self, column: str) -> str | None:
        for item in self.table_columns:
            if item.column == column:
                return item.format
        return None


@dataclass(frozen=True)
class DashboardDefinition:
    id: str
    name: str
    date_range: DateRange
    widgets: tuple[Widget, ...]
    workspace_id: str | None  # None: all workspaces, as for report definitions
    description: str = ""
    role: str | None = None
    schedule: ReportSchedule | None = None  # None: rendered by hand only
    created_by: str | None = None
    is_active: bool = True

    def widget_date_range(self, widget: Widget) -> DateRange:
        return widget.date_range or self.date_range

    @property
    def data_sources(self) -> tuple[str, ...]:
        """The published tables the widgets read (REPORT_SOURCES keys), sorted."""
        return tuple(sorted({widget.data_source for widget in self.widgets}))


# -- the written form ------------------------------------------------------------

WidgetType = choice(WIDGET_TYPES)
DashboardChartType = choice(CHART_TYPES)
NumberFormat = choice(NUMBER_FORMATS)
PeriodType = choice(PERIOD_TYPES)
DashboardFormats = list_of(choice(FORMATS), distinct=lambda name: name)
GridRow = whole_number(1, MAX_GRID_ROWS)
GridColumn = whole_number(1, GRID_COLUMNS)
GridHeight = whole_number(1, 12)


class LayoutSpec(Spec):
    """A widget's cell on the 12-column grid (1-based)."""

    row: GridRow
    column: GridColumn
    width: GridColumn
    """Grid columns spanned; column + width - 1 is at most 12."""
    height: GridHeight = 1
    """Grid rows spanned."""

    @model_validator(mode="after")
    def _inside_the_grid(self) -> LayoutSpec:
        last = self.column + self.width - 1
        if last > GRID_COLUMNS:
            raise problems_at(
                (
                    ("width",),
                    f"column {self.column} + width {self.width} ends at column {last}, "
                    f"outside the {GRID_COLUMNS}-column grid",
                )
            )
        return self

    def build(self) -> Cell:
        return Cell(self.row, self.column, self.width, self.height)


class MetricSpec(Spec):
    """A KPI over the period: a metric of analytics_metrics, or an aggregate of a
    column of any published table."""

    data_source: DataSource
    metric_name: Text | None = None
    """analytics_metrics only (required there)."""
    period_type: PeriodType | None = None
    """analytics_metrics only; default day."""
    category: Text | None = None
    """analytics_metrics only."""
    function: AggregateFunction
    column: Column | None = None
    """Default `value` on analytics_metrics; elsewhere required (but for count: rows)."""
    filters: Filters = ()
    format: NumberFormat = "number"

    @model_validator(mode="after")
    def _fields_fit_the_source(self) -> MetricSpec:
        problems: list[tuple[Location, str]] = []
        if self.data_source == METRICS_SOURCE:
            if self.metric_name is None:
                problems.append((("metric_name",), f"required for {METRICS_SOURCE}"))
        else:
            problems += [
                ((key,), f"only for data_source {METRICS_SOURCE}")
                for key in ("metric_name", "period_type", "category")
                if getattr(self, key) is not None
            ]
            if self.column is None and self.function != "count":
                problems.append((("column",), f"required for {self.function}"))
        if problems:
            raise problems_at(*problems)
        return self

    def build(self) -> Metric:
        filters = [item.build() for item in self.filters]
        column = self.column
        period_type = None
        if self.data_source == METRICS_SOURCE:
            period_type = self.period_type or "day"
            column = column or "value"
            filters[:0] = [
                Filter("metric_name", "=", self.metric_name),
                Filter("period_type", "=", period_type),
                *([Filter("category", "=", self.category)] if self.category else []),
            ]
        return Metric(
            data_source=self.data_source,
            function=self.function,
            column=column,
            filters=tuple(filters),
            metric_name=self.metric_name,
            period_type=period_type,
            category=self.category,
            format=self.format,
        )


class ChartSettingsSpec(Spec):
    """What a chart widget draws from its query's result columns."""

    type: DashboardChartType
    x: Column
    """The x axis (the labels of a pie)."""
    y: ColumnNames
    """The result columns plotted (a pie: the first)."""

    @field_validator("y")
    @classmethod
    def _at_least_one(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise problem("name at least one result column to plot")
        return value

    def build(self) -> ChartSettings:
        return ChartSettings(self.type, self.x, self.y)


class TableColumnSpec(Spec):
    column: Column
    label: Label | None = None
    format: NumberFormat | None = None
    """integer, number or percent; default: values as they are."""


TableColumns = list_of(or_bare(TableColumnSpec, "column", Column), distinct=attrgetter("column"))


class TableSpec(Spec):
    """The columns a table widget shows (default: every result column, as is)."""

    columns: TableColumns = ()


class DashboardScheduleSpec(ScheduleSpec):
    """When a dashboard is rendered and who receives it (as a report's schedule)."""

    model_config = ConfigDict(title="Dashboard schedule")

    formats: DashboardFormats = _DEFAULT_FORMATS

    @field_validator("formats", mode="before")
    @classmethod
    def _null_formats_mean_the_default(cls, value: Any) -> Any:
        return _DEFAULT_FORMATS if value is None else value

    @field_validator("formats")
    @classmethod
    def _at_least_one_format(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise problem(f"name at least one of {', '.join(FORMATS)}")
        return value


class WidgetSpec(Spec):
    """One widget: a metric card, a chart or a table."""

    id: Slug
    type: WidgetType
    title: Text
    description: Description = ""
    layout: LayoutSpec
    date_range: DateRangeItem | None = None
    """The widget's own period (default: the dashboard's)."""
    metric: MetricSpec | None = None
    """Metric widgets only."""
    query: ConfigurationSpec | None = None
    """Chart and table widgets: a report configuration without chart and date range."""
    chart: ChartSettingsSpec | None = None
    """Chart widgets only."""
    table: TableSpec | None = None
    """Table widgets only (optional)."""

    @model_validator(mode="after")
    def _parts_fit_the_type(self) -> WidgetSpec:
        needs = {"metric": ("metric",), "chart": ("query", "chart"), "table": ("query",)}
        allowed = {"metric": ("metric",), "chart": ("query", "chart"), "table": ("query", "table")}
        problems: list[tuple[Location, str]] = [
            ((key,), f"required for {self.type} widgets")
            for key in needs[self.type]
            if getattr(self, key) is None
        ]
        problems += [
            ((key,), f"not used by {self.type} widgets")
            for key in ("metric", "query", "chart", "table")
            if key not in allowed[self.type] and getattr(self, key) is not None
        ]
        if self.query is not None:
            problems += [
                (("query", key), f"not in a widget's query: {advice}")
                for key, advice in _WIDGET_OWNED.items()
                if key in self.query.model_fields_set
            ]
            outputs = self.query.build().output_columns
            if self.chart is not None and self.type == "chart":
                for location, column in (
                    (("chart", "x"), self.chart.x),
                    *((("chart", "y", i), c) for i, c in enumerate(self.chart.y)),
                ):
                    problems += _result_column_problems_at(location, column, outputs)
            if self.table is not None and self.type == "table":
                for i, item in enumerate(self.table.columns):
                    problems += _result_column_problems_at(
                        ("table", "columns", i, "column"), item.column, outputs
                    )
        if problems:
            raise problems_at(*problems)
        return self

    @property
    def data_source(self) -> str:
        return self.metric.data_source if self.metric is not None else self.query.data_source

    @property
    def data_source_location(self) -> Location:
        return ("metric" if self.metric is not None else "query", "data_source")

    def build(self) -> Widget:
        return Widget(
            id=self.id,
            type=self.type,
            title=self.title,
            layout=self.layout.build(),
            description=self.description,
            date_range=self.date_range.build() if self.date_range else None,
            metric=self.metric.build() if self.metric else None,
            query=self.query.build() if self.query else None,
            chart=self.chart.build() if self.chart else None,
            table_columns=tuple(
                TableColumn(item.column, item.label, item.format) for item in self.table.columns
            )
            if self.table
            else (),
        )


def _result_column_problems_at(
    location: Location, column: str, outputs: tuple[str, ...]
) -> list[tuple[Location, str]]:
    if column not in outputs:
        return [
            (location, f"{column!r} is not a result column (one of {', '.join(outputs) or '-'})")
        ]
    return []


Widgets = list_of(WidgetSpec, distinct=attrgetter("id"))


class DashboardSpec(Spec):
    """A dashboard definition as written: dashboards/<id>.yml or a
    control.dashboard_definitions row."""

    model_config = ConfigDict(title="Dashboard definition")

    id: Slug
    """Equals the file name: dashboards/<id>.yml."""
    name: Text
    description: Description = ""
    role: Text | None = None
    """Who the dashboard is for, e.g. OWNER, LEADER, MANAGER (free text)."""
    workspace_id: Text | None
    """Required; null = all workspaces (the sources' all-workspaces rows, or every
    workspace's rows), as for report definitions."""
    date_range: DateRangeItem
    """Every widget's period unless the widget sets its own."""
    widgets: Widgets
    schedule: DashboardScheduleSpec | None = None
    """Without one the dashboard is rendered by hand only."""
    created_by: Text | None = None
    is_active: Flag = True

    @field_validator("widgets")
    @classmethod
    def _some_widgets(cls, value: tuple[WidgetSpec, ...]) -> tuple[WidgetSpec, ...]:
        if not value:
            raise problem("a dashboard needs at least one widget")
        if len(value) > MAX_WIDGETS:
            raise problem(f"more than {MAX_WIDGETS} widgets")
        return value

    @model_validator(mode="after")
    def _widgets_fit_the_dashboard(self) -> DashboardSpec:
        problems: list[tuple[Location, str]] = []
        cells = [widget.layout.build() for widget in self.widgets]
        for j, cell in enumerate(cells):
            for i in range(j):
                if cell.overlaps(cells[i]):
                    problems.append(
                        (
                            ("widgets", j, "layout"),
                            f"overlaps widgets[{i}] ({self.widgets[i].id})",
                        )
                    )
        if self.workspace_id:
            for i, widget in enumerate(self.widgets):
                source = REPORT_SOURCES[widget.data_source]
                if source.workspace_column is None:
                    problems.append(
                        (
                            ("widgets", i, *widget.data_source_location),
                            f"{source.name} has no tenant column (it is about the whole "
                            f"{source.tenant_label.lower()}): only a dashboard without "
                            "workspace_id may read it",
                        )
                    )
        if problems:
            raise problems_at(*problems)
        return self

    def build(self) -> DashboardDefinition:
        return DashboardDefinition(
            id=self.id,
            name=self.name,
            date_range=self.date_range.build(),
            widgets=tuple(widget.build() for widget in self.widgets),
            workspace_id=self.workspace_id,
            description=self.description,
            role=self.role,
            schedule=self.schedule.build() if self.schedule else None,
            created_by=self.created_by,
            is_active=self.is_active,
        )


def parse_dashboard(data: Mapping[str, Any]) -> DashboardDefinition:
    """Validate a dashboard mapping and build it; DefinitionError names every bad field."""
    return validate_spec(DashboardSpec, data).build()


def dashboard_json_schema() -> dict[str, Any]:
    """The JSON Schema of a definition as written (docs/dashboard_definition.schema.json)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **DashboardSpec.model_json_schema(schema_generator=WithoutFieldTitles),
    }


# -- records -----------------------------------------------------------------


def dashboard_to_record(definition: DashboardDefinition) -> dict[str, Any]:
    """The definition as a control.dashboard_definitions row (JSON-ready);
    `parse_dashboard` reads it back."""
    return {
        "id": definition.id,
        "name": definition.name,
        "description": definition.description,
        "role": definition.role,
        "workspace_id": definition.workspace_id,
        "date_range": date_range_record(definition.date_range),
        "widgets": [_widget_record(widget) for widget in definition.widgets],
        "schedule": schedule_record(definition.schedule) if definition.schedule else None,
        "created_by": definition.created_by,
        "is_active": definition.is_active,
    }


def _widget_record(widget: Widget) -> dict[str, Any]:
    cell = widget.layout
    record: dict[str, Any] = {
        "id": widget.id,
        "type": widget.type,
        "title": widget.title,
        "layout": {
            "row": cell.row,
            "column": cell.column,
            "width": cell.width,
            "height": cell.height,
        },
    }
    if widget.description:
        record["description"] = widget.description
    if widget.date_range is not None:
        record["date_range"] = date_range_record(widget.date_range)
    if widget.metric is not None:
        record["metric"] = metric_record(widget.metric)
    if widget.query is not None:
        record["query"] = configuration_record(widget.query)
    if widget.chart is not None:
        chart = widget.chart
        record["chart"] = {"type": chart.type, "x": chart.x, "y": list(chart.y)}
    if widget.table_columns:
        record["table"] = {
            "columns": [
                {"column": item.column}
                | ({"label": item.label} if item.label else {})
                | ({"format": item.format} if item.format else {})
                for item in widget.table_columns
            ]
        }
    return record


def metric_record(metric: Metric) -> dict[str, Any]:
    # The filters the metric name, period type and category stand for are
    # written as those fields, not again as filters.
    implied = 0
    record: dict[str, Any] = {"data_source": metric.data_source}
    if metric.metric_name is not None:
        record["metric_name"] = metric.metric_name
        record["period_type"] = metric.period_type
        implied = 2
        if metric.category is not None:
            record["category"] = metric.category
            implied = 3
    record["function"] = metric.function
    if metric.column is not None:
        record["column"] = metric.column
    filters = configuration_record(
        ReportConfiguration(metric.data_source, filters=metric.filters[implied:])
    ).get("filters")
    if filters:
        record["filters"] = filters
    record["format"] = metric.format
    return record


# -- files -------------------------------------------------------------------


def load_dashboard_file(path: Path | str) -> DashboardDefinition:
    """Read one `<id>.yml` file; DefinitionError names the file and the field."""
    return load_definition_file(path, parse_dashboard)


def load_dashboard_files(directory: Path | str) -> list[DashboardDefinition]:
    """Read every `*.yml` in `directory`, sorted by id; the first bad file raises."""
    return load_definition_files(directory, parse_dashboard)
