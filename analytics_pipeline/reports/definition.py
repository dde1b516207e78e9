"""Report definitions: what a report reads, how it is shaped and when it is sent.

`parse_definition` turns a mapping (a `reports/*.yml` file or a row of
`control.report_definitions`) into a frozen `ReportDefinition` or raises one
`DefinitionError` listing every problem, each named by its field path
(`configuration.filters[1].operator: 'drop' is not one of =, !=, ...`). Nothing
is half-applied: either the whole definition is valid or none of it is used.

The written form is described by the pydantic models `DefinitionSpec` and the
`*Spec` models it nests; `definition_json_schema()` is their JSON Schema
(published as docs/report_definition.schema.json). The checks are structural
(types, enums, shapes, time zones, cron, e-mail syntax). Whether columns exist
and fit the operators is checked against the warehouse catalog when the query
is built (`reports.query`), which also re-checks definitions built in code.

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
      frequency: weekly             # daily | weekly | monthly | quarterly | interval | manual
      time: "08:00"
      day_of_week: monday           # weekly only; day_of_month (1-31) for monthly/quarterly
      timezone: Europe/Berlin       # also the zone of a run's date (relative date ranges)
      # ... or instead of frequency/time/day_*: cron: "0 9 * * 1-5"
      # ... or frequency: interval with interval_minutes: 15 (and optionally
      #     anchor: 2026-01-05T08:00:00+01:00): runs at anchor + k * 15 minutes
      # ... or frequency: manual: never due by itself, run by hand (`report run`)
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
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import available_timezones

import yaml
from croniter import CroniterBadDateError, croniter
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

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
CALENDAR_FREQUENCIES = ("daily", "weekly", "monthly", "quarterly")
FREQUENCIES = (*CALENDAR_FREQUENCIES, "interval", "manual")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FORMATS = ("csv", "xlsx", "pdf", "json")
SORT_DIRECTIONS = ("asc", "desc")

# Interval schedules run at anchor + k * interval_minutes; without an anchor,
# from the Unix epoch (so every 60 minutes is on the hour UTC, every 1440 at
# midnight UTC).
DEFAULT_INTERVAL_ANCHOR = datetime(1970, 1, 1, tzinfo=UTC)
MAX_INTERVAL_MINUTES = 366 * 24 * 60  # a leap year

# Hard ceiling on the rows one report returns, whatever its configured limit.
MAX_ROW_LIMIT = 1_000_000
MAX_LIST_VALUES = 1_000  # values of one in / not_in filter
MAX_VALUE_LENGTH = 1_000  # characters of one text filter value

Scalar = str | int | float | bool
FilterValue = Scalar | tuple[Scalar, ...] | None

_SLUG = r"[a-z][a-z0-9_]{0,62}"
_COLUMN = r"[a-z_][a-z0-9_]{0,62}"
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")  # 00:00-23:59, hour may be 1 digit
# Pragmatic address syntax: dot-atom local part, dotted domain of DNS labels.
_EMAIL = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_NO_VALUE_OPERATORS = ("is_null", "is_not_null")
_LIST_OPERATORS = ("in", "not_in")
_DEFAULT_FORMATS = ("csv",)
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
    """When a report runs: frequency + time (+ day) or a cron expression, in `timezone`;
    or every `interval_minutes` from `anchor` (absolute time); or `manual`: never by
    itself. `timezone` also gives a run's date (relative date ranges)."""

    timezone: str
    frequency: str | None = None
    time: time_of_day | None = None
    day_of_week: str | None = None  # monday .. sunday
    day_of_month: int | None = None  # 1 .. 31
    cron: str | None = None
    interval_minutes: int | None = None  # frequency interval only
    anchor: datetime | None = None  # aware UTC; None: DEFAULT_INTERVAL_ANCHOR
    recipients: tuple[str, ...] = ()
    formats: tuple[str, ...] = _DEFAULT_FORMATS


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


# -- the written form: pydantic models -------------------------------------------
#
# The *Spec models describe a definition as written and check it; `build()`
# makes the frozen objects above (which stay plain dataclasses: code may build
# them directly, unchecked, and the query builder checks those again). Every
# check raises its message in this module's words; `problem_message` rewords the few
# errors pydantic raises itself (missing key, not a mapping). The dashboard
# definitions (`dashboards.definition`) are built from the same public pieces:
# `Spec`, `problem`, `problems_at`, the field types and `validate_spec`.

Location = tuple[str | int, ...]


def problem(message: str) -> PydanticCustomError:
    """A problem of the value being checked (pydantic adds its path)."""
    return PydanticCustomError("definition", message)


def problems_at(*problems: tuple[Location, str]) -> ValidationError:
    """Problems below the value being checked, at paths relative to it.

    pydantic nests a ValidationError raised in a validator under the
    validator's own path, so one check can name several fields.
    """
    return ValidationError.from_exception_data(
        "report definition",
        [
            InitErrorDetails(type=problem(message), loc=location, input=None)
            for location, message in problems
        ],
    )


def problem_message(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "required"
    if error["type"] in ("model_type", "dict_type"):
        return f"expected a mapping, got {describe(error['input'])}"
    return error["msg"]


def field_path(location: Location) -> str:
    """('configuration', 'filters', 1, 'operator') -> configuration.filters[1].operator"""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)[1:]


def describe(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {value!r}"


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else describe(value)


# Field types: a `BeforeValidator` checks the input strictly with this module's
# message (pydantic alone would coerce "yes" to True or "10" to 10); the type and
# constraints around it give the JSON Schema.


def choice(
    choices: tuple[str, ...],
    *,
    any_case: bool = False,
    complaint: str = "is not one of {choices}",
) -> Any:
    def check(value: Any) -> str:
        if any_case and isinstance(value, str):
            value = value.lower()
        if not isinstance(value, str) or value not in choices:
            raise problem(f"{_shown(value)} {complaint.format(choices=', '.join(choices))}")
        return value

    return Annotated[Literal[choices], BeforeValidator(check)]


def _matching(pattern: str, complaint: str, *, max_length: int | None = None) -> Any:
    """Text that `pattern` matches whole."""
    compiled = re.compile(pattern)

    def check(value: Any) -> str:
        too_long = isinstance(value, str) and max_length is not None and len(value) > max_length
        if not isinstance(value, str) or too_long or not compiled.fullmatch(value):
            raise problem(f"{_shown(value)} {complaint}")
        return value

    return Annotated[
        str, Field(pattern=f"^(?:{pattern})$", max_length=max_length), BeforeValidator(check)
    ]


def _text(max_length: int) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise problem(f"expected non-empty text, got {describe(value)}")
        if len(value) > max_length:
            raise problem(f"longer than {max_length} characters")
        return value

    return Annotated[str, Field(max_length=max_length, pattern=r"\S"), BeforeValidator(check)]


def whole_number(low: int, high: int) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise problem(f"expected a whole number, got {describe(value)}")
        if not low <= value <= high:
            raise problem(f"{value} is not between {low} and {high}")
        return value

    return Annotated[int, Field(ge=low, le=high), BeforeValidator(check)]


def list_of(item: Any, *, distinct: Callable[[Any], Any] | None = None) -> Any:
    """A list (null = empty), kept as a tuple; `distinct` gives what must not repeat."""

    def check(value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            raise problem(f"expected a list, got {describe(value)}")
        return value

    def reject_repeats(items: tuple[Any, ...]) -> tuple[Any, ...]:
        seen: set[Any] = set()
        repeated = []
        for i, key in enumerate(map(distinct, items)):
            folded = key.lower() if isinstance(key, str) else key  # A@x.org repeats a@x.org
            if folded in seen:
                repeated.append(((i,), f"duplicate {key!r}"))
            seen.add(folded)
        if repeated:
            raise problems_at(*repeated)
        return items

    list_type = Annotated[tuple[item, ...], BeforeValidator(check)]
    return list_type if distinct is None else Annotated[list_type, AfterValidator(reject_repeats)]


def or_bare(spec: type[BaseModel], key: str, bare: Any) -> Any:
    """`spec`, or a bare text standing for {key: text} (checked as `bare` where it stands)."""
    bare_adapter = TypeAdapter(bare)

    def expand(value: Any) -> Any:
        return {key: bare_adapter.validate_python(value)} if isinstance(value, str) else value

    return Annotated[spec, BeforeValidator(expand, json_schema_input_type=spec | bare)]


def _definite_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise problem(f"expected text, got {describe(value)}")
    return value


def _true_or_false(value: Any) -> bool:
    if not isinstance(value, bool):
        raise problem(f"expected true or false, got {describe(value)}")
    return value


def _iso_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise problem(f"expected a date YYYY-MM-DD, got {describe(value)}")


def _clock(value: Any) -> time_of_day:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise problem(f"expected a time HH:MM (00:00-23:59) as text, got {describe(value)}")
    return time_of_day(int(match[1]), int(match[2]))


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones() | {"UTC"})


def _timezone(value: Any) -> str:
    if not isinstance(value, str) or value not in _known_timezones():
        raise problem(f"{value!r} is not an IANA time zone name")
    return value


def _instant(value: Any) -> datetime:
    """An aware instant (ISO 8601 text or a YAML timestamp), as UTC."""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if not isinstance(moment, datetime):
        raise problem(
            "expected a date and time with UTC offset, e.g. 2026-01-05T08:00:00+01:00, "
            f"got {describe(value)}"
        )
    if moment.utcoffset() is None:
        raise problem(
            f"{moment.isoformat()} needs a UTC offset (Z or e.g. +01:00): "
            "interval runs are absolute instants"
        )
    return moment.astimezone(UTC)


def _cron(value: Any) -> str:
    """The expression with single spaces."""
    if not isinstance(value, str):
        raise problem(f"expected a cron expression as text, got {describe(value)}")
    expression = " ".join(value.split())
    if len(expression.split(" ")) != 5:
        raise problem(
            f"{value!r} is not a 5-field cron expression (minute hour day-of-month month "
            "day-of-week)"
        )
    if not croniter.is_valid(expression):
        raise problem(f"{value!r} is not a valid cron expression")
    try:
        croniter(expression, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        raise problem(f"{value!r} never matches a date") from None
    return expression


Slug = _matching(_SLUG, "is not a slug (lowercase letter, then a-z, 0-9, _)")
Column = _matching(_COLUMN, "is not a column name (lowercase letters, digits and _)")
Email = _matching(_EMAIL, "is not an e-mail address", max_length=254)
Text = _text(200)
Label = _text(80)
Description = Annotated[str, BeforeValidator(_definite_text)]
Flag = Annotated[bool, BeforeValidator(_true_or_false)]
Day = Annotated[date, BeforeValidator(_iso_date)]
Clock = Annotated[
    time_of_day,
    BeforeValidator(
        _clock, json_schema_input_type=Annotated[str, Field(pattern=f"^{_TIME.pattern}$")]
    ),
]
TimeZone = Annotated[str, BeforeValidator(_timezone)]
Instant = Annotated[
    datetime,
    BeforeValidator(
        _instant,
        json_schema_input_type=Annotated[
            str, WithJsonSchema({"type": "string", "format": "date-time"})
        ],
    ),
]
IntervalMinutes = whole_number(1, MAX_INTERVAL_MINUTES)
Cron = Annotated[str, BeforeValidator(_cron)]
ReportType = choice(REPORT_TYPES)
DataSource = choice(
    tuple(REPORT_SOURCES), complaint="is not a published report source (one of {choices})"
)
Operator = choice(OPERATORS)
AggregateFunction = choice(AGGREGATE_FUNCTIONS)
SortDirection = choice(SORT_DIRECTIONS, any_case=True)
ChartType = choice(CHART_TYPES)
RelativeRange = choice(RELATIVE_RANGES)
Frequency = choice(FREQUENCIES)
Weekday = choice(WEEKDAYS, any_case=True)
Format = choice(FORMATS)
ColumnNames = list_of(Column, distinct=lambda name: name)
Recipients = list_of(Email, distinct=lambda address: address)
Formats = list_of(Format, distinct=lambda name: name)
DayOfMonth = whole_number(1, 31)

_SCALAR_SCHEMA = {"type": ["string", "number", "boolean"]}
_SCALARS_SCHEMA = {"type": "array", "items": _SCALAR_SCHEMA, "minItems": 1}
# Checked against the operator by FilterSpec; the schema gives the shapes.
FilterValueInput = Annotated[Any, WithJsonSchema({"anyOf": [_SCALAR_SCHEMA, _SCALARS_SCHEMA]})]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    @model_validator(mode="wrap")
    @classmethod
    def _unknown_fields_name_the_known_ones(
        cls, data: Any, handler: ValidatorFunctionWrapHandler
    ) -> Any:
        # pydantic's extra="forbid" error does not say which fields are allowed;
        # the known fields are still checked, so every problem is reported at once.
        known = cls.model_fields
        if not isinstance(data, Mapping) or data.keys() <= known.keys():
            return handler(data)
        problems = [
            ((str(key),), f"unknown field (expected {', '.join(known)})")
            for key in data
            if key not in known
        ]
        try:
            handler({key: value for key, value in data.items() if key in known})
        except ValidationError as error:
            problems += [(e["loc"], problem_message(e)) for e in error.errors()]
        raise problems_at(*problems)


class ColumnSpec(Spec):
    """A result column with the header readers see."""

    column: Column
    label: Label | None = None


class AggregationSpec(Spec):
    """An aggregate of a column; its result column is <function>_<column>, or row_count."""

    function: AggregateFunction
    column: Column | None = None
    """Only `count` may omit it: the count of rows."""
    label: Label | None = None
    """The header PDF and XLSX show."""

    @model_validator(mode="after")
    def _column_unless_counting_rows(self) -> AggregationSpec:
        if self.column is None and self.function != "count":
            raise problems_at((("column",), f"required for {self.function}"))
        return self

    def build(self) -> Aggregation:
        return Aggregation(self.function, self.column, self.label)


class FilterSpec(Spec):
    column: Column
    operator: Operator
    value: FilterValueInput = Field(None, json_schema_extra=lambda schema: schema.pop("default"))
    """A text, number or true/false (a list for in / not_in, [low, high] for between;
    none for is_null / is_not_null)."""

    @field_validator("value")
    @classmethod
    def _value_fits_the_operator(cls, value: Any, info: ValidationInfo) -> FilterValue:
        operator = info.data.get("operator")  # absent if invalid: nothing to fit
        if operator == "between":
            return _scalar_list(value, exact=2)
        if operator in _LIST_OPERATORS:
            return _scalar_list(value)
        if operator == "like" and not isinstance(value, str):
            raise problem(f"like needs a text pattern, got {describe(value)}")
        if operator is None or operator in _NO_VALUE_OPERATORS:
            return value
        return _scalar(value)

    @model_validator(mode="after")
    def _value_given_when_needed(self) -> FilterSpec:
        # A given null counts: `value: null` with `=` is a mistake, not "no value".
        given = "value" in self.model_fields_set
        if self.operator in _NO_VALUE_OPERATORS and given:
            raise problems_at((("value",), f"{self.operator} takes no value"))
        if self.operator not in _NO_VALUE_OPERATORS and not given:
            raise problems_at((("value",), f"required for {self.operator}"))
        return self

    def build(self) -> Filter:
        return Filter(self.column, self.operator, self.value)


def _scalar(value: Any) -> Scalar:
    """A filter value as a JSON scalar: dates and timestamps become ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise problem(f"{value!r} is not a finite number")
    if isinstance(value, str):
        if len(value) > MAX_VALUE_LENGTH:
            raise problem(f"longer than {MAX_VALUE_LENGTH} characters")
        return value
    raise problem(f"expected text, a number, true/false or a date, got {describe(value)}")


def _scalar_list(value: Any, *, exact: int | None = None) -> tuple[Scalar, ...]:
    if not isinstance(value, list | tuple):
        raise problem(f"expected a list, got {describe(value)}")
    if exact is not None and len(value) != exact:
        raise problem(f"between needs exactly {exact} values [low, high], got {len(value)}")
    if not value:
        raise problem("needs a non-empty list of values")
    if len(value) > MAX_LIST_VALUES:
        raise problem(f"more than {MAX_LIST_VALUES} values")
    scalars, problems = [], []
    for i, item in enumerate(value):
        try:
            scalars.append(_scalar(item))
        except PydanticCustomError as error:
            problems.append(((i,), error.message()))
    if problems:
        raise problems_at(*problems)
    return tuple(scalars)


class SortSpec(Spec):
    column: Column
    direction: SortDirection = "asc"

    def build(self) -> Sort:
        return Sort(self.column, self.direction)


class DateRangeSpec(Spec):
    """A relative range, or an absolute inclusive range from start to end."""

    model_config = ConfigDict(
        # exactly one of the two shapes (additionalProperties is false)
        json_schema_extra={
            "oneOf": [
                {"required": ["relative"], "maxProperties": 1},
                {"required": ["start", "end"], "not": {"required": ["relative"]}},
            ]
        }
    )

    relative: RelativeRange | None = None
    start: Day | None = None
    end: Day | None = None

    @model_validator(mode="after")
    def _relative_or_start_and_end(self) -> DateRangeSpec:
        absolute = (("start", self.start), ("end", self.end))
        if self.relative is not None:
            problems = [
                ((key,), "not allowed together with relative")
                for key, day in absolute
                if day is not None
            ]
        else:
            problems = [((key,), "required") for key, day in absolute if day is None]
            if not problems and self.start > self.end:
                problems = [(("end",), f"{self.end} is before start {self.start}")]
        if problems:
            raise problems_at(*problems)
        return self

    def build(self) -> DateRange:
        return DateRange(self.relative, self.start, self.end)


ColumnItems = list_of(or_bare(ColumnSpec, "column", Column), distinct=attrgetter("column"))
Filters = list_of(FilterSpec)
Aggregations = list_of(AggregationSpec, distinct=lambda aggregation: aggregation.build().alias)
Sorting = list_of(or_bare(SortSpec, "column", Column), distinct=attrgetter("column"))
RowLimit = whole_number(1, MAX_ROW_LIMIT)
DateRangeItem = or_bare(DateRangeSpec, "relative", RelativeRange)


def _result_column_problems_at(
    location: Location, column: str, outputs: tuple[str, ...]
) -> list[tuple[Location, str]]:
    if outputs and column not in outputs:
        return [(location, f"{column!r} is not a result column (one of {', '.join(outputs)})")]
    return []


class ConfigurationSpec(Spec):
    data_source: DataSource
    columns: ColumnItems | None = None
    """The result columns (or give grouping and aggregations instead)."""
    filters: Filters = ()
    grouping: ColumnNames = ()
    aggregations: Aggregations = ()
    sorting: Sorting = ()
    limit: RowLimit | None = None
    chart_type: ChartType | None = None
    """Required for chart reports."""
    chart_x: Column | None = None
    """The x axis, or the labels of a pie (else the row number)."""
    chart_y: ColumnNames | None = None
    """The result columns to plot (required with chart_type)."""
    date_range: DateRangeItem | None = None

    @model_validator(mode="after")
    def _parts_fit_together(self) -> ConfigurationSpec:
        configuration = self.build()
        outputs = configuration.output_columns
        problems = self._result_shape_problems_at(configuration)
        for i, sort in enumerate(self.sorting):
            problems += _result_column_problems_at(("sorting", i, "column"), sort.column, outputs)
        problems += self._chart_problems_at(outputs)
        if problems:
            raise problems_at(*problems)
        return self

    def _result_shape_problems_at(
        self, configuration: ReportConfiguration
    ) -> list[tuple[Location, str]]:
        if not configuration.is_aggregated:
            if self.columns is None:
                return [(("columns",), "required (or give grouping and aggregations instead)")]
            if not self.columns:
                return [(("columns",), "must list at least one column")]
            return []
        problems = []
        if self.columns:
            problems.append(
                (
                    ("columns",),
                    "not allowed with grouping/aggregations: the result is the grouping columns "
                    "and the aggregates",
                )
            )
        for i, aggregation in enumerate(configuration.aggregations):
            if aggregation.alias in self.grouping:
                problems.append(
                    (
                        ("aggregations", i),
                        f"output name {aggregation.alias!r} is also a grouping column",
                    )
                )
        return problems

    def _chart_problems_at(self, outputs: tuple[str, ...]) -> list[tuple[Location, str]]:
        """chart_x / chart_y go with chart_type and name result columns."""
        if self.chart_type is None:
            return [
                ((key,), "only with chart_type")
                for key in ("chart_x", "chart_y")
                if getattr(self, key) is not None
            ]
        problems = []
        if not self.chart_y:
            problems.append((("chart_y",), "required with chart_type: the columns to plot"))
        if self.chart_type == "pie" and self.chart_x is None:
            problems.append((("chart_x",), "required for pie charts: the label column"))
        if self.chart_x is not None:
            problems += _result_column_problems_at(("chart_x",), self.chart_x, outputs)
        for i, column in enumerate(self.chart_y or ()):
            problems += _result_column_problems_at(("chart_y", i), column, outputs)
        return problems

    def build(self) -> ReportConfiguration:
        columns = self.columns or ()
        return ReportConfiguration(
            data_source=self.data_source,
            columns=tuple(item.column for item in columns),
            filters=tuple(item.build() for item in self.filters),
            grouping=self.grouping,
            aggregations=tuple(item.build() for item in self.aggregations),
            sorting=tuple(item.build() for item in self.sorting),
            limit=self.limit,
            chart_type=self.chart_type,
            chart_x=self.chart_x,
            chart_y=self.chart_y or (),
            date_range=self.date_range.build() if self.date_range else None,
            column_labels=tuple((item.column, item.label) for item in columns if item.label),
        )


class ScheduleSpec(Spec):
    """When a report runs and who receives it: frequency and time, cron, every
    interval_minutes, or manual (by hand only)."""

    frequency: Frequency | None = None
    """daily, weekly, monthly, quarterly (at time), interval (every interval_minutes)
    or manual (never by itself: run by hand)."""
    time: Clock | None = None
    """Local time HH:MM (00:00-23:59)."""
    timezone: TimeZone
    """An IANA time zone name, e.g. Europe/Berlin."""
    day_of_week: Weekday | None = None
    """Weekly schedules only."""
    day_of_month: DayOfMonth | None = None
    """Monthly and quarterly schedules only."""
    cron: Cron | None = None
    """Five fields: minute hour day-of-month month day-of-week (instead of frequency)."""
    interval_minutes: IntervalMinutes | None = None
    """Interval schedules only: minutes between runs."""
    anchor: Instant | None = None
    """Interval schedules only: an instant with UTC offset; runs are at anchor + k *
    interval_minutes (any whole k). Default 1970-01-01T00:00:00Z."""
    recipients: Recipients = ()
    formats: Formats = _DEFAULT_FORMATS

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

    @model_validator(mode="after")
    def _frequency_or_cron(self) -> ScheduleSpec:
        if self.frequency is None and self.cron is None:
            problems = [((), "give either frequency (with time) or cron")]
        elif self.frequency is not None and self.cron is not None:
            problems = [(("cron",), "not allowed together with frequency")]
        elif self.cron is not None:
            problems = self._unused_problems_at("not used with cron (the expression sets it)")
        elif self.frequency == "interval":
            problems = self._unused_problems_at(
                "not used with interval schedules (they run every interval_minutes from anchor)",
                keys=("time", "day_of_week", "day_of_month"),
            )
            if self.interval_minutes is None:
                problems.append((("interval_minutes",), "required for interval schedules"))
        elif self.frequency == "manual":
            problems = self._unused_problems_at(
                "not used with manual schedules (they never run by themselves)"
            )
        else:
            problems = self._frequency_problems_at()
        if problems:
            raise problems_at(*problems)
        return self

    def _unused_problems_at(
        self, message: str, keys: tuple[str, ...] = ("time", "day_of_week", "day_of_month")
    ) -> list[tuple[Location, str]]:
        """`message` at each of `keys` that is set; interval fields outside interval
        schedules are named as such."""
        problems = [((key,), message) for key in keys if getattr(self, key) is not None]
        if self.frequency != "interval":
            problems += self._interval_fields_problems_at()
        return problems

    def _interval_fields_problems_at(self) -> list[tuple[Location, str]]:
        return [
            ((key,), "only for interval schedules")
            for key in ("interval_minutes", "anchor")
            if getattr(self, key) is not None
        ]

    def _frequency_problems_at(self) -> list[tuple[Location, str]]:
        problems = [(("time",), "required (HH:MM)")] if self.time is None else []
        problems += self._interval_fields_problems_at()
        weekly = self.frequency == "weekly"
        monthly = self.frequency in ("monthly", "quarterly")
        if self.day_of_week is not None and not weekly:
            problems.append((("day_of_week",), "only for weekly schedules"))
        if self.day_of_week is None and weekly:
            problems.append((("day_of_week",), "required for weekly schedules"))
        if self.day_of_month is not None and not monthly:
            problems.append((("day_of_month",), "only for monthly and quarterly schedules"))
        if self.day_of_month is None and monthly:
            problems.append((("day_of_month",), f"required for {self.frequency} schedules"))
        return problems

    def build(self) -> ReportSchedule:
        return ReportSchedule(
            timezone=self.timezone,
            frequency=self.frequency,
            time=self.time,
            day_of_week=self.day_of_week,
            day_of_month=self.day_of_month,
            cron=self.cron,
            interval_minutes=self.interval_minutes,
            anchor=self.anchor,
            recipients=self.recipients,
            formats=self.formats,
        )


class DefinitionSpec(Spec):
    """A report definition as written: reports/<id>.yml or a control.report_definitions row."""

    model_config = ConfigDict(title="Report definition")

    id: Slug
    """Equals the file name: reports/<id>.yml."""
    name: Text
    description: Description = ""
    report_type: ReportType
    configuration: ConfigurationSpec
    schedule: ScheduleSpec | None = None
    """Without one the report runs by hand only."""
    workspace_id: Text | None
    """Required; null = all workspaces (the source's all-workspaces rows, or every
    workspace's rows)."""
    created_by: Text | None = None
    is_active: Flag = True

    @model_validator(mode="after")
    def _whole_tenant_sources_name_no_workspace(self) -> DefinitionSpec:
        source = REPORT_SOURCES.get(self.configuration.data_source)
        if source is not None and source.workspace_column is None and self.workspace_id:
            raise problems_at(
                (
                    ("workspace_id",),
                    f"must be null: {source.name} has no tenant column (it is about the "
                    f"whole {source.tenant_label.lower()})",
                )
            )
        return self

    @model_validator(mode="after")
    def _chart_reports_have_a_chart_type(self) -> DefinitionSpec:
        if self.report_type == "chart" and self.configuration.chart_type is None:
            raise problems_at((("configuration", "chart_type"), "required for chart reports"))
        return self

    def build(self) -> ReportDefinition:
        return ReportDefinition(
            id=self.id,
            name=self.name,
            report_type=self.report_type,
            configuration=self.configuration.build(),
            workspace_id=self.workspace_id,
            description=self.description,
            schedule=self.schedule.build() if self.schedule else None,
            created_by=self.created_by,
            is_active=self.is_active,
        )


def parse_definition(data: Mapping[str, Any]) -> ReportDefinition:
    """Validate a definition mapping and build it; raise DefinitionError naming every bad field.

    `created_at` / `updated_at` (maintained by the table) are accepted and ignored.
    """
    return validate_spec(DefinitionSpec, data).build()


SpecT = TypeVar("SpecT", bound=BaseModel)
# Any kind of definition parsed from a file (it has an `id`).
DefinitionT = TypeVar("DefinitionT")


def validate_spec(spec: type[SpecT], data: Any) -> SpecT:
    """`data` checked by `spec` (a `Spec` model); DefinitionError names every bad field.

    `created_at` / `updated_at` (maintained by the control tables) are dropped first.
    """
    if isinstance(data, Mapping):
        data = {key: value for key, value in data.items() if key not in _TABLE_MANAGED_FIELDS}
    try:
        return spec.model_validate(data)
    except ValidationError as error:
        raise DefinitionError(
            (field_path(e["loc"]), problem_message(e)) for e in error.errors(include_url=False)
        ) from None


class WithoutFieldTitles(GenerateJsonSchema):
    """pydantic titles every field after its name ("Chart Type"): noise in an editor."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def definition_json_schema() -> dict[str, Any]:
    """The JSON Schema of a definition as written (docs/report_definition.schema.json)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **DefinitionSpec.model_json_schema(schema_generator=WithoutFieldTitles),
    }


# -- records -----------------------------------------------------------------


def definition_to_record(definition: ReportDefinition) -> dict[str, Any]:
    """The definition as a control.report_definitions row: configuration and schedule
    JSON-ready (unset optional parts left out); `parse_definition` reads it back."""
    return {
        "id": definition.id,
        "name": definition.name,
        "description": definition.description,
        "report_type": definition.report_type,
        "configuration": configuration_record(definition.configuration),
        "schedule": schedule_record(definition.schedule) if definition.schedule else None,
        "workspace_id": definition.workspace_id,
        "created_by": definition.created_by,
        "is_active": definition.is_active,
    }


def configuration_record(configuration: ReportConfiguration) -> dict[str, Any]:
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
        record["date_range"] = date_range_record(configuration.date_range)
    return record


def date_range_record(date_range: DateRange) -> dict[str, str]:
    if date_range.relative:
        return {"relative": date_range.relative}
    return {"start": date_range.start.isoformat(), "end": date_range.end.isoformat()}


def _filter_record(item: Filter) -> dict[str, Any]:
    record: dict[str, Any] = {"column": item.column, "operator": item.operator}
    if item.operator not in _NO_VALUE_OPERATORS:
        record["value"] = list(item.value) if isinstance(item.value, tuple) else item.value
    return record


def schedule_record(schedule: ReportSchedule) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if schedule.cron is not None:
        record["cron"] = schedule.cron
    else:
        record["frequency"] = schedule.frequency
        if schedule.time is not None:
            record["time"] = schedule.time.strftime("%H:%M")
        if schedule.interval_minutes is not None:
            record["interval_minutes"] = schedule.interval_minutes
        if schedule.anchor is not None:
            record["anchor"] = schedule.anchor.isoformat()
        if schedule.day_of_week is not None:
            record["day_of_week"] = schedule.day_of_week
        if schedule.day_of_month is not None:
            record["day_of_month"] = schedule.day_of_month
    record["timezone"] = schedule.timezone
    record["recipients"] = list(schedule.recipients)
    record["formats"] = list(schedule.formats)
    return record


# -- files -------------------------------------------------------------------


class DefinitionLoader(yaml.SafeLoader):
    """Safe YAML that rejects duplicate keys and keeps `12:30` as text.

    PyYAML (YAML 1.1) reads an unquoted `12:30` as the base-60 integer 750 and
    lets a repeated key silently replace the first one.
    """


def _construct_mapping(loader: DefinitionLoader, node: yaml.MappingNode) -> dict[Any, Any]:
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


def _construct_number(loader: DefinitionLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    if ":" in text:
        return text
    if node.tag.endswith(":int"):
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    return yaml.SafeLoader.construct_yaml_float(loader, node)


DefinitionLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
DefinitionLoader.add_constructor("tag:yaml.org,2002:int", _construct_number)
DefinitionLoader.add_constructor("tag:yaml.org,2002:float", _construct_number)


def read_definition_yaml(path: Path) -> Any:
    """The YAML data of a definition file (DefinitionLoader); DefinitionError naming
    the file when it is not valid YAML."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=DefinitionLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise DefinitionError([("", f"not valid YAML: {error}")], source=str(path)) from error


def load_definition_file(
    path: Path | str, parse: Callable[[Mapping[str, Any]], DefinitionT] = parse_definition
) -> DefinitionT:
    """Read one `<id>.yml` file with `parse` (a report definition by default; the
    dashboards and alert rules pass theirs); DefinitionError names the file and
    the field."""
    path = Path(path)
    data = read_definition_yaml(path)
    try:
        definition = parse(data)
    except DefinitionError as error:
        raise DefinitionError(error.problems, source=str(path)) from None
    if definition.id != path.stem:
        raise DefinitionError(
            [("id", f"{definition.id!r} differs from the file name {path.name!r}")],
            source=str(path),
        )
    return definition


def load_definition_files(
    directory: Path | str, parse: Callable[[Mapping[str, Any]], DefinitionT] = parse_definition
) -> list[DefinitionT]:
    """Read every `*.yml` in `directory` with `parse`, sorted by id; the first bad
    file raises.

    One definition per file and the file stem must equal the id, so ids are
    unique by construction.
    """
    return [load_definition_file(path, parse) for path in sorted(Path(directory).glob("*.yml"))]
