"""Report definitions: what a report reads, how it is shaped and when it is sent.

`parse_definition` turns a mapping (a `reports/*.yml` file or a row of
`control.report_definitions`) into a frozen `ReportDefinition` or raises one
`DefinitionError` listing every problem, each named by its field path
(`configuration.filters[1].operator: 'drop' is not one of =, !=, ...`). Nothing
is half-applied: either the whole definition is valid or none of it is used.

The checks here are structural (types, enums, shapes, time zones, cron, e-mail
syntax). Whether columns exist and fit the operators is checked against the
warehouse catalog when the query is built (`reports.query`).

Shape of a definition (YAML)::

    id: daily_kpi_overview          # slug; in reports/<id>.yml
    name: Daily KPI overview
    description: ...                # optional
    report_type: table              # table | chart | dashboard | export
    workspace_id: ws_001            # required key; null = all workspaces: the source's
                                    # all-workspaces rows, or every workspace's rows
    created_by: analytics-team      # optional
    is_active: true                 # optional, default true
    configuration:
      data_source: daily_metrics    # a key of reports.sources.REPORT_SOURCES
      columns: [metric_date, dau]   # or grouping + aggregations, not both;
                                    # an item may be {column: dau, label: Daily active users}
      grouping: [metric_date]
      aggregations: [{function: sum, column: credits_consumed}]  # -> sum_credits_consumed
                                    # (optional label: the header PDF and XLSX show)
      filters: [{column: dau, operator: ">", value: 0}]
      sorting: [{column: metric_date, direction: desc}]          # or just "metric_date"
      limit: 1000
      chart_type: line              # required for chart reports; line bar pie area scatter
      chart_x: metric_date          # x axis / pie labels (required for pie; else row number)
      chart_y: [dau]                # plotted result columns (required with chart_type)
      date_range: last_7_days       # or {relative: ...} or {start: 2026-01-01, end: 2026-01-31}
    schedule:                       # optional: without it the report runs by hand only
      frequency: weekly             # daily | weekly | monthly | quarterly ...
      time: "08:00"
      day_of_week: monday           # weekly only; day_of_month (1-31) for monthly/quarterly
      timezone: Europe/Berlin
      # ... or instead of frequency/time/day_*: cron: "0 9 * * 1-5"
      recipients: [ops@example.com]
      formats: [csv, pdf]           # subset of csv, xlsx, pdf, json; default [csv]

`count` may omit its column (count of rows, output column `row_count`); every
other aggregate is named `<function>_<column>`. Filter values are plain JSON
scalars (dates and timestamps as ISO text); they are only ever bound as query
parameters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import yaml
from croniter import CroniterBadDateError, croniter

from analytics_pipeline.reports.sources import REPORT_SOURCES

REPORT_TYPES = ("table", "chart", "dashboard", "export")
OPERATORS = (
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "in",
    "not_in",
    "between",
    "is_null",
    "is_not_null",
    "like",
)
AGGREGATE_FUNCTIONS = ("sum", "count", "avg", "min", "max", "count_distinct")
CHART_TYPES = ("line", "bar", "pie", "area", "scatter")
RELATIVE_RANGES = (
    "today",
    "yesterday",
    "last_7_days",
    "last_30_days",
    "last_90_days",
    "week_to_date",
    "month_to_date",
    "previous_week",
    "previous_month",
    "quarter_to_date",
    "year_to_date",
)
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FORMATS = ("csv", "xlsx", "pdf", "json")
SORT_DIRECTIONS = ("asc", "desc")

# Hard ceiling on the rows one report returns, whatever its configured limit.
MAX_ROW_LIMIT = 1_000_000
MAX_LIST_VALUES = 1_000  # values of one in / not_in filter
MAX_VALUE_LENGTH = 1_000  # characters of one text filter value

Scalar = str | int | float | bool
FilterValue = Scalar | tuple[Scalar, ...] | None

_SLUG = re.compile(r"[a-z][a-z0-9_]{0,62}")
_COLUMN = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
# Pragmatic address syntax: dot-atom local part, dotted domain of DNS labels.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_NO_VALUE_OPERATORS = ("is_null", "is_not_null")
_LIST_OPERATORS = ("in", "not_in")
# Columns of control.report_definitions that the table maintains itself.
_TABLE_MANAGED_FIELDS = ("created_at", "updated_at")


class DefinitionError(ValueError):
    """A report definition is invalid; `problems` lists (field path, message)."""

    def __init__(self, problems: Iterable[tuple[str, str]], *, source: str | None = None) -> None:
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        self.source = source
        text = "; ".join(
            f"{field}: {message}" if field else message for field, message in self.problems
        )
        super().__init__(f"{source}: {text}" if source else text)

    @classmethod
    def at(cls, field: str, message: str) -> DefinitionError:
        return cls([(field, message)])

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field for field, _ in self.problems)


@dataclass(frozen=True)
class Filter:
    column: str
    operator: str
    value: FilterValue = None  # None for is_null / is_not_null; 2-tuple for between


@dataclass(frozen=True)
class Aggregation:
    function: str
    column: str | None = None  # None only for count: count of rows
    label: str | None = None  # the header readers see (PDF, XLSX); default from the column

    @property
    def alias(self) -> str:
        """Output column name: `sum_credits_consumed`, `row_count` for count of rows."""
        return "row_count" if self.column is None else f"{self.function}_{self.column}"


@dataclass(frozen=True)
class Sort:
    column: str
    direction: str = "asc"


@dataclass(frozen=True)
class DateRange:
    """Either a relative range name or an absolute inclusive [start, end]."""

    relative: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class ReportConfiguration:
    data_source: str
    columns: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    grouping: tuple[str, ...] = ()
    aggregations: tuple[Aggregation, ...] = ()
    sorting: tuple[Sort, ...] = ()
    limit: int | None = None
    chart_type: str | None = None
    chart_x: str | None = None
    chart_y: tuple[str, ...] = ()
    date_range: DateRange | None = None
    # (column, label) given in `columns` items: the headers readers see.
    column_labels: tuple[tuple[str, str], ...] = ()

    def label(self, output_column: str) -> str | None:
        """The label the definition gives a result column, if any."""
        for aggregation in self.aggregations:
            if aggregation.alias == output_column and aggregation.label:
                return aggregation.label
        return dict(self.column_labels).get(output_column)

    @property
    def is_aggregated(self) -> bool:
        return bool(self.grouping or self.aggregations)

    @property
    def output_columns(self) -> tuple[str, ...]:
        """Names of the result columns, in order."""
        if self.is_aggregated:
            return self.grouping + tuple(a.alias for a in self.aggregations)
        return self.columns


@dataclass(frozen=True)
class ReportSchedule:
    """When a report runs: frequency + time (+ day) or a cron expression, in `timezone`."""

    timezone: str
    frequency: str | None = None
    time: time_of_day | None = None
    day_of_week: str | None = None  # monday .. sunday
    day_of_month: int | None = None  # 1 .. 31
    cron: str | None = None
    recipients: tuple[str, ...] = ()
    formats: tuple[str, ...] = ("csv",)


@dataclass(frozen=True)
class ReportDefinition:
    id: str
    name: str
    report_type: str
    configuration: ReportConfiguration
    # None: all workspaces (the source's all-workspaces rows where it has them,
    # else every workspace's rows).
    workspace_id: str | None
    description: str = ""
    schedule: ReportSchedule | None = None  # None: run by hand only
    created_by: str | None = None
    is_active: bool = True


# -- parsing -----------------------------------------------------------------


class _Problems:
    """Collects (field path, message) pairs while a definition is checked."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append((field, message))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _fields(
    value: Any,
    path: str,
    problems: _Problems,
    *,
    allowed: tuple[str, ...],
    required: tuple[str, ...] = (),
    ignored: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    """Check a mapping's keys: every required one present, none unknown."""
    if not isinstance(value, Mapping):
        problems.add(path, f"expected a mapping, got {_describe(value)}")
        return None
    result: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or key not in allowed + ignored:
            problems.add(_join(path, str(key)), f"unknown field (expected {', '.join(allowed)})")
        elif key not in ignored:
            result[key] = item
    for key in required:
        if key not in value:
            problems.add(_join(path, key), "required")
    return result


def _describe(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {value!r}"


def _text(value: Any, path: str, problems: _Problems, *, max_length: int = 200) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(path, f"expected non-empty text, got {_describe(value)}")
        return None
    if len(value) > max_length:
        problems.add(path, f"longer than {max_length} characters")
        return None
    return value


def _choice(value: Any, path: str, problems: _Problems, choices: tuple[str, ...]) -> str | None:
    if not isinstance(value, str) or value not in choices:
        shown = repr(value) if isinstance(value, str) else _describe(value)
        problems.add(path, f"{shown} is not one of {', '.join(choices)}")
        return None
    return value


def _whole_number(value: Any, path: str, problems: _Problems, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(path, f"expected a whole number, got {_describe(value)}")
        return None
    if not low <= value <= high:
        problems.add(path, f"{value} is not between {low} and {high}")
        return None
    return value


def _list(value: Any, path: str, problems: _Problems) -> list[Any] | None:
    if not isinstance(value, list | tuple):
        problems.add(path, f"expected a list, got {_describe(value)}")
        return None
    return list(value)


def _items(
    value: Any, path: str, problems: _Problems, parse_item: Callable[[Any, str, _Problems], Any]
) -> tuple[Any, ...]:
    """Parse each element of an optional list (null = empty) with `parse_item`."""
    if value is None:
        return ()
    items = _list(value, path, problems)
    if items is None:
        return ()
    return tuple(parse_item(item, f"{path}[{i}]", problems) for i, item in enumerate(items))


def _column(value: Any, path: str, problems: _Problems) -> str | None:
    if not isinstance(value, str) or not _COLUMN.fullmatch(value):
        shown = repr(value) if isinstance(value, str) else _describe(value)
        problems.add(path, f"{shown} is not a column name (lowercase letters, digits and _)")
        return None
    return value


def _reject_duplicates(values: tuple[Any, ...], path: str, problems: _Problems) -> None:
    seen: set[Any] = set()
    for i, value in enumerate(values):
        if value is None:
            continue
        key = value.lower() if isinstance(value, str) else value
        if key in seen:
            problems.add(f"{path}[{i}]", f"duplicate {value!r}")
        seen.add(key)


def parse_definition(data: Mapping[str, Any]) -> ReportDefinition:
    """Validate a definition mapping and build it; raise DefinitionError naming every bad field.

    `created_at` / `updated_at` (maintained by the table) are accepted and ignored.
    """
    problems = _Problems()
    fields = _fields(
        data,
        "",
        problems,
        allowed=(
            "id",
            "name",
            "description",
            "report_type",
            "configuration",
            "schedule",
            "workspace_id",
            "created_by",
            "is_active",
        ),
        required=("id", "name", "report_type", "configuration", "workspace_id"),
        ignored=_TABLE_MANAGED_FIELDS,
    )
    if fields is None:
        raise DefinitionError(problems.items)

    report_id = fields.get("id")
    if "id" in fields and (not isinstance(report_id, str) or not _SLUG.fullmatch(report_id)):
        problems.add("id", f"{report_id!r} is not a slug (lowercase letter, then a-z, 0-9, _)")
    name = _text(fields.get("name"), "name", problems) if "name" in fields else None
    description = fields.get("description")
    if description is None:
        description = ""
    elif not isinstance(description, str):
        problems.add("description", f"expected text, got {_describe(description)}")
    report_type = (
        _choice(fields["report_type"], "report_type", problems, REPORT_TYPES)
        if "report_type" in fields
        else None
    )
    workspace_id = fields.get("workspace_id")
    if workspace_id is not None:
        workspace_id = _text(workspace_id, "workspace_id", problems)
    created_by = fields.get("created_by")
    if created_by is not None:
        created_by = _text(created_by, "created_by", problems)
    is_active = fields.get("is_active", True)
    if not isinstance(is_active, bool):
        problems.add("is_active", f"expected true or false, got {_describe(is_active)}")

    configuration = (
        _parse_configuration(fields["configuration"], "configuration", problems, report_type)
        if "configuration" in fields
        else None
    )
    schedule = (
        _parse_schedule(fields["schedule"], "schedule", problems)
        if fields.get("schedule") is not None
        else None
    )

    if problems.items:
        raise DefinitionError(problems.items)
    return ReportDefinition(
        id=report_id,
        name=name,
        description=description,
        report_type=report_type,
        configuration=configuration,
        schedule=schedule,
        workspace_id=workspace_id,
        created_by=created_by,
        is_active=is_active,
    )


def _parse_configuration(
    value: Any, path: str, problems: _Problems, report_type: str | None
) -> ReportConfiguration | None:
    count_before = len(problems.items)
    fields = _fields(
        value,
        path,
        problems,
        allowed=(
            "data_source",
            "columns",
            "filters",
            "grouping",
            "aggregations",
            "sorting",
            "limit",
            "chart_type",
            "chart_x",
            "chart_y",
            "date_range",
        ),
        required=("data_source",),
    )
    if fields is None:
        return None

    data_source = fields.get("data_source")
    if "data_source" in fields and (
        not isinstance(data_source, str) or data_source not in REPORT_SOURCES
    ):
        problems.add(
            _join(path, "data_source"),
            f"{data_source!r} is not a published report source "
            f"(one of {', '.join(REPORT_SOURCES)})",
        )
    column_items = _items(
        fields.get("columns"), _join(path, "columns"), problems, _parse_column_item
    )
    columns = tuple(None if item is None else item[0] for item in column_items)
    column_labels = tuple(item for item in column_items if item is not None and item[1])
    grouping = _items(fields.get("grouping"), _join(path, "grouping"), problems, _column)
    aggregations = _items(
        fields.get("aggregations"), _join(path, "aggregations"), problems, _parse_aggregation
    )
    filters = _items(fields.get("filters"), _join(path, "filters"), problems, _parse_filter)
    sorting = _items(fields.get("sorting"), _join(path, "sorting"), problems, _parse_sort)
    limit = fields.get("limit")
    if limit is not None:
        limit = _whole_number(limit, _join(path, "limit"), problems, 1, MAX_ROW_LIMIT)
    chart_type = fields.get("chart_type")
    if chart_type is not None:
        chart_type = _choice(chart_type, _join(path, "chart_type"), problems, CHART_TYPES)
    elif report_type == "chart":
        problems.add(_join(path, "chart_type"), "required for chart reports")
    chart_x = fields.get("chart_x")
    if chart_x is not None:
        chart_x = _column(chart_x, _join(path, "chart_x"), problems)
    chart_y = _items(fields.get("chart_y"), _join(path, "chart_y"), problems, _column)
    date_range = fields.get("date_range")
    if date_range is not None:
        date_range = _parse_date_range(date_range, _join(path, "date_range"), problems)

    _reject_duplicates(columns, _join(path, "columns"), problems)
    _reject_duplicates(grouping, _join(path, "grouping"), problems)
    if grouping or aggregations:
        if columns:
            problems.add(
                _join(path, "columns"),
                "not allowed with grouping/aggregations: the result is the grouping columns "
                "and the aggregates",
            )
        aliases = tuple(a.alias if a is not None else None for a in aggregations)
        _reject_duplicates(aliases, _join(path, "aggregations"), problems)
        for i, alias in enumerate(aliases):
            if alias is not None and alias in grouping:
                problems.add(
                    f"{_join(path, 'aggregations')}[{i}]",
                    f"output name {alias!r} is also a grouping column",
                )
        outputs = tuple(c for c in grouping + aliases if c is not None)
    else:
        if fields.get("columns") is None:
            problems.add(
                _join(path, "columns"), "required (or give grouping and aggregations instead)"
            )
        elif isinstance(fields["columns"], list | tuple) and not columns:
            problems.add(_join(path, "columns"), "must list at least one column")
        outputs = tuple(c for c in columns if c is not None)
    for i, sort in enumerate(sorting):
        if sort is not None and outputs and sort.column not in outputs:
            problems.add(
                f"{_join(path, 'sorting')}[{i}].column",
                f"{sort.column!r} is not a result column (one of {', '.join(outputs)})",
            )
    _reject_duplicates(
        tuple(s.column if s is not None else None for s in sorting),
        _join(path, "sorting"),
        problems,
    )
    _check_chart(fields, path, problems, chart_x, chart_y, outputs)
    if len(problems.items) > count_before:
        return None
    return ReportConfiguration(
        data_source=data_source,
        columns=columns,
        filters=filters,
        grouping=grouping,
        aggregations=aggregations,
        sorting=sorting,
        limit=limit,
        chart_type=chart_type,
        chart_x=chart_x,
        chart_y=chart_y,
        date_range=date_range,
        column_labels=column_labels,
    )


def _label(value: Any, path: str, problems: _Problems) -> str | None:
    if value is None:
        return None
    return _text(value, path, problems, max_length=80)


def _parse_column_item(value: Any, path: str, problems: _Problems) -> tuple[str, str | None] | None:
    """A `columns` item: a column name, or {column, label}."""
    if isinstance(value, str):
        column = _column(value, path, problems)
        return None if column is None else (column, None)
    fields = _fields(value, path, problems, allowed=("column", "label"), required=("column",))
    if fields is None or "column" not in fields:
        return None
    column = _column(fields["column"], _join(path, "column"), problems)
    label = _label(fields.get("label"), _join(path, "label"), problems)
    return None if column is None else (column, label)


def _check_chart(
    fields: dict[str, Any],
    path: str,
    problems: _Problems,
    chart_x: str | None,
    chart_y: tuple[str | None, ...],
    outputs: tuple[str, ...],
) -> None:
    """chart_x / chart_y go with chart_type and name result columns."""
    chart_type = fields.get("chart_type")
    if chart_type is None:
        for key in ("chart_x", "chart_y"):
            if fields.get(key) is not None:
                problems.add(_join(path, key), "only with chart_type")
        return
    if not chart_y and not isinstance(fields.get("chart_y"), str):
        problems.add(_join(path, "chart_y"), "required with chart_type: the columns to plot")
    if chart_type == "pie" and fields.get("chart_x") is None:
        problems.add(_join(path, "chart_x"), "required for pie charts: the label column")
    named = [("chart_x", chart_x)] + [(f"chart_y[{i}]", c) for i, c in enumerate(chart_y)]
    for key, column in named:
        if column is not None and outputs and column not in outputs:
            problems.add(
                _join(path, key),
                f"{column!r} is not a result column (one of {', '.join(outputs)})",
            )
    _reject_duplicates(chart_y, _join(path, "chart_y"), problems)


def _parse_aggregation(value: Any, path: str, problems: _Problems) -> Aggregation | None:
    fields = _fields(
        value, path, problems, allowed=("function", "column", "label"), required=("function",)
    )
    if fields is None or "function" not in fields:
        return None
    label = _label(fields.get("label"), _join(path, "label"), problems)
    function = _choice(fields["function"], _join(path, "function"), problems, AGGREGATE_FUNCTIONS)
    column = fields.get("column")
    if column is None:
        if function not in (None, "count"):
            problems.add(_join(path, "column"), f"required for {function}")
            return None
    else:
        column = _column(column, _join(path, "column"), problems)
        if column is None:
            return None
    return Aggregation(function, column, label) if function is not None else None


def _parse_sort(value: Any, path: str, problems: _Problems) -> Sort | None:
    if isinstance(value, str):
        column = _column(value, path, problems)
        return Sort(column) if column is not None else None
    fields = _fields(value, path, problems, allowed=("column", "direction"), required=("column",))
    if fields is None or "column" not in fields:
        return None
    column = _column(fields["column"], _join(path, "column"), problems)
    direction = fields.get("direction", "asc")
    if isinstance(direction, str):
        direction = direction.lower()
    direction = _choice(direction, _join(path, "direction"), problems, SORT_DIRECTIONS)
    if column is None or direction is None:
        return None
    return Sort(column, direction)


def _parse_filter(value: Any, path: str, problems: _Problems) -> Filter | None:
    fields = _fields(
        value,
        path,
        problems,
        allowed=("column", "operator", "value"),
        required=("column", "operator"),
    )
    if fields is None or "column" not in fields or "operator" not in fields:
        return None
    count_before = len(problems.items)
    column = _column(fields["column"], _join(path, "column"), problems)
    operator = _choice(fields["operator"], _join(path, "operator"), problems, OPERATORS)
    value_path = _join(path, "value")
    parsed_value: FilterValue = None
    if operator in _NO_VALUE_OPERATORS:
        if "value" in fields:
            problems.add(value_path, f"{operator} takes no value")
    elif operator is not None:
        if "value" not in fields:
            problems.add(value_path, f"required for {operator}")
        elif operator == "between":
            parsed_value = _scalar_list(fields["value"], value_path, problems, exact=2)
        elif operator in _LIST_OPERATORS:
            parsed_value = _scalar_list(fields["value"], value_path, problems)
        elif operator == "like":
            text = fields["value"]
            if not isinstance(text, str):
                problems.add(value_path, f"like needs a text pattern, got {_describe(text)}")
            else:
                parsed_value = _scalar(text, value_path, problems)
        else:
            parsed_value = _scalar(fields["value"], value_path, problems)
    if len(problems.items) > count_before:
        return None
    return Filter(column, operator, parsed_value)


def _scalar(value: Any, path: str, problems: _Problems) -> Scalar | None:
    """A filter value as a JSON scalar: dates and timestamps become ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        problems.add(path, f"{value!r} is not a finite number")
        return None
    if isinstance(value, str):
        if len(value) > MAX_VALUE_LENGTH:
            problems.add(path, f"longer than {MAX_VALUE_LENGTH} characters")
            return None
        return value
    problems.add(path, f"expected text, a number, true/false or a date, got {_describe(value)}")
    return None


def _scalar_list(
    value: Any, path: str, problems: _Problems, *, exact: int | None = None
) -> tuple[Scalar, ...] | None:
    items = _list(value, path, problems)
    if items is None:
        return None
    if exact is not None and len(items) != exact:
        problems.add(path, f"between needs exactly {exact} values [low, high], got {len(items)}")
        return None
    if not items:
        problems.add(path, "needs a non-empty list of values")
        return None
    if len(items) > MAX_LIST_VALUES:
        problems.add(path, f"more than {MAX_LIST_VALUES} values")
        return None
    count_before = len(problems.items)
    parsed = tuple(_scalar(item, f"{path}[{i}]", problems) for i, item in enumerate(items))
    return parsed if len(problems.items) == count_before else None


def _parse_date_range(value: Any, path: str, problems: _Problems) -> DateRange | None:
    if isinstance(value, str):
        relative = _choice(value, path, problems, RELATIVE_RANGES)
        return DateRange(relative=relative) if relative is not None else None
    if isinstance(value, Mapping) and "relative" in value:
        fields = _fields(value, path, problems, allowed=("relative",))
        if fields is None:
            return None
        relative = _choice(fields["relative"], _join(path, "relative"), problems, RELATIVE_RANGES)
        return DateRange(relative=relative) if relative is not None else None
    fields = _fields(
        value, path, problems, allowed=("relative", "start", "end"), required=("start", "end")
    )
    if fields is None or "start" not in fields or "end" not in fields:
        return None
    start = _date(fields["start"], _join(path, "start"), problems)
    end = _date(fields["end"], _join(path, "end"), problems)
    if start is None or end is None:
        return None
    if start > end:
        problems.add(_join(path, "end"), f"{end} is before start {start}")
        return None
    return DateRange(start=start, end=end)


def _date(value: Any, path: str, problems: _Problems) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.add(path, f"expected a date YYYY-MM-DD, got {_describe(value)}")
    return None


def _parse_schedule(value: Any, path: str, problems: _Problems) -> ReportSchedule | None:
    count_before = len(problems.items)
    fields = _fields(
        value,
        path,
        problems,
        allowed=(
            "frequency",
            "time",
            "timezone",
            "day_of_week",
            "day_of_month",
            "cron",
            "recipients",
            "formats",
        ),
        required=("timezone",),
    )
    if fields is None:
        return None
    timezone = fields.get("timezone")
    if "timezone" in fields and (
        not isinstance(timezone, str) or timezone not in _known_timezones()
    ):
        problems.add(_join(path, "timezone"), f"{timezone!r} is not an IANA time zone name")

    frequency = fields.get("frequency")
    cron = fields.get("cron")
    clock = day_of_week = day_of_month = None
    if frequency is None and cron is None:
        problems.add(path, "give either frequency (with time) or cron")
    elif frequency is not None and cron is not None:
        problems.add(_join(path, "cron"), "not allowed together with frequency")
    elif cron is not None:
        for key in ("time", "day_of_week", "day_of_month"):
            if fields.get(key) is not None:
                problems.add(_join(path, key), "not used with cron (the expression sets it)")
        cron = _cron(cron, _join(path, "cron"), problems)
    else:
        frequency = _choice(frequency, _join(path, "frequency"), problems, FREQUENCIES)
        if fields.get("time") is None:
            problems.add(_join(path, "time"), "required (HH:MM)")
        else:
            clock = _clock(fields["time"], _join(path, "time"), problems)
        needs_weekday = frequency == "weekly"
        needs_monthday = frequency in ("monthly", "quarterly")
        if fields.get("day_of_week") is not None and not needs_weekday:
            problems.add(_join(path, "day_of_week"), "only for weekly schedules")
        elif needs_weekday:
            day_of_week = _weekday(fields.get("day_of_week"), _join(path, "day_of_week"), problems)
        if fields.get("day_of_month") is not None and not needs_monthday:
            problems.add(_join(path, "day_of_month"), "only for monthly and quarterly schedules")
        elif needs_monthday:
            if fields.get("day_of_month") is None:
                problems.add(_join(path, "day_of_month"), f"required for {frequency} schedules")
            else:
                day_of_month = _whole_number(
                    fields["day_of_month"], _join(path, "day_of_month"), problems, 1, 31
                )

    recipients = _items(fields.get("recipients"), _join(path, "recipients"), problems, _email)
    _reject_duplicates(recipients, _join(path, "recipients"), problems)
    formats: tuple[str | None, ...] = ("csv",)
    if fields.get("formats") is not None:
        formats = _items(
            fields["formats"],
            _join(path, "formats"),
            problems,
            lambda v, p, pr: _choice(v, p, pr, FORMATS),
        )
        if not formats and isinstance(fields["formats"], list):
            problems.add(_join(path, "formats"), f"name at least one of {', '.join(FORMATS)}")
        _reject_duplicates(formats, _join(path, "formats"), problems)

    if len(problems.items) > count_before:
        return None
    return ReportSchedule(
        timezone=timezone,
        frequency=frequency,
        time=clock,
        day_of_week=day_of_week,
        day_of_month=day_of_month,
        cron=cron,
        recipients=recipients,
        formats=formats,
    )


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones() | {"UTC"})


def _clock(value: Any, path: str, problems: _Problems) -> time_of_day | None:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        problems.add(path, f"expected a time HH:MM (00:00-23:59) as text, got {_describe(value)}")
        return None
    return time_of_day(int(match[1]), int(match[2]))


def _weekday(value: Any, path: str, problems: _Problems) -> str | None:
    if value is None:
        problems.add(path, "required for weekly schedules")
        return None
    return _choice(value.lower() if isinstance(value, str) else value, path, problems, WEEKDAYS)


def _cron(value: Any, path: str, problems: _Problems) -> str | None:
    if not isinstance(value, str):
        problems.add(path, f"expected a cron expression as text, got {_describe(value)}")
        return None
    expression = " ".join(value.split())
    if len(expression.split(" ")) != 5:
        problems.add(
            path,
            f"{value!r} is not a 5-field cron expression (minute hour day-of-month month "
            "day-of-week)",
        )
        return None
    if not croniter.is_valid(expression):
        problems.add(path, f"{value!r} is not a valid cron expression")
        return None
    try:
        croniter(expression, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        problems.add(path, f"{value!r} never matches a date")
        return None
    return expression


def _email(value: Any, path: str, problems: _Problems) -> str | None:
    if not isinstance(value, str) or len(value) > 254 or not _EMAIL.fullmatch(value):
        shown = repr(value) if isinstance(value, str) else _describe(value)
        problems.add(path, f"{shown} is not an e-mail address")
        return None
    return value


# -- records -----------------------------------------------------------------


def definition_to_record(definition: ReportDefinition) -> dict[str, Any]:
    """The definition as a control.report_definitions row: configuration and schedule
    JSON-ready (unset optional parts left out); `parse_definition` reads it back."""
    return {
        "id": definition.id,
        "name": definition.name,
        "description": definition.description,
        "report_type": definition.report_type,
        "configuration": _configuration_record(definition.configuration),
        "schedule": _schedule_record(definition.schedule) if definition.schedule else None,
        "workspace_id": definition.workspace_id,
        "created_by": definition.created_by,
        "is_active": definition.is_active,
    }


def _configuration_record(configuration: ReportConfiguration) -> dict[str, Any]:
    record: dict[str, Any] = {"data_source": configuration.data_source}
    if configuration.columns:
        labels = dict(configuration.column_labels)
        record["columns"] = [
            {"column": c, "label": labels[c]} if c in labels else c for c in configuration.columns
        ]
    if configuration.filters:
        record["filters"] = [_filter_record(f) for f in configuration.filters]
    if configuration.grouping:
        record["grouping"] = list(configuration.grouping)
    if configuration.aggregations:
        record["aggregations"] = [
            {"function": a.function}
            | ({"column": a.column} if a.column else {})
            | ({"label": a.label} if a.label else {})
            for a in configuration.aggregations
        ]
    if configuration.sorting:
        record["sorting"] = [
            {"column": s.column, "direction": s.direction} for s in configuration.sorting
        ]
    if configuration.limit is not None:
        record["limit"] = configuration.limit
    if configuration.chart_type is not None:
        record["chart_type"] = configuration.chart_type
    if configuration.chart_x is not None:
        record["chart_x"] = configuration.chart_x
    if configuration.chart_y:
        record["chart_y"] = list(configuration.chart_y)
    if configuration.date_range is not None:
        date_range = configuration.date_range
        record["date_range"] = (
            {"relative": date_range.relative}
            if date_range.relative
            else {"start": date_range.start.isoformat(), "end": date_range.end.isoformat()}
        )
    return record


def _filter_record(item: Filter) -> dict[str, Any]:
    record: dict[str, Any] = {"column": item.column, "operator": item.operator}
    if item.operator not in _NO_VALUE_OPERATORS:
        record["value"] = list(item.value) if isinstance(item.value, tuple) else item.value
    return record


def _schedule_record(schedule: ReportSchedule) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if schedule.cron is not None:
        record["cron"] = schedule.cron
    else:
        record["frequency"] = schedule.frequency
        record["time"] = schedule.time.strftime("%H:%M")
        if schedule.day_of_week is not None:
            record["day_of_week"] = schedule.day_of_week
        if schedule.day_of_month is not None:
            record["day_of_month"] = schedule.day_of_month
    record["timezone"] = schedule.timezone
    record["recipients"] = list(schedule.recipients)
    record["formats"] = list(schedule.formats)
    return record


# -- files -------------------------------------------------------------------


class _DefinitionLoader(yaml.SafeLoader):
    """Safe YAML that rejects duplicate keys and keeps `12:30` as text.

    PyYAML (YAML 1.1) reads an unquoted `12:30` as the base-60 integer 750 and
    lets a repeated key silently replace the first one.
    """


def _construct_mapping(loader: _DefinitionLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: list[Any] = []
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.append(key)
    return loader.construct_mapping(node, deep=True)


def _construct_number(loader: _DefinitionLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    if ":" in text:
        return text
    if node.tag.endswith(":int"):
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    return yaml.SafeLoader.construct_yaml_float(loader, node)


_DefinitionLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_DefinitionLoader.add_constructor("tag:yaml.org,2002:int", _construct_number)
_DefinitionLoader.add_constructor("tag:yaml.org,2002:float", _construct_number)


def load_definition_file(path: Path | str) -> ReportDefinition:
    """Read one `<id>.yml` file; DefinitionError names the file and the field."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_DefinitionLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise DefinitionError([("", f"not valid YAML: {error}")], source=str(path)) from error
    try:
        definition = parse_definition(data)
    except DefinitionError as error:
        raise DefinitionError(error.problems, source=str(path)) from None
    if definition.id != path.stem:
        raise DefinitionError(
            [("id", f"{definition.id!r} differs from the file name {path.name!r}")],
            source=str(path),
        )
    return definition


def load_definition_files(directory: Path | str) -> list[ReportDefinition]:
    """Read every `*.yml` in `directory`, sorted by id; the first bad file raises.

    One definition per file and the file stem must equal the id, so ids are
    unique by construction.
    """
    return [load_definition_file(path) for path in sorted(Path(directory).glob("*.yml"))]
