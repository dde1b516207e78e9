"""Report definitions: parsing, validation messages that name the field, the
record round trip and the YAML files."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from analytics_pipeline.reports.definition import (
    MAX_ROW_LIMIT,
    Aggregation,
    DateRange,
    DefinitionError,
    Filter,
    ReportConfiguration,
    ReportDefinition,
    ReportSchedule,
    Sort,
    definition_to_record,
    load_definition_files,
    parse_definition,
)

YAML_FILE = """\
id: daily_kpi_overview
name: Daily KPI overview
description: DAU and credits of the last week
report_type: chart
workspace_id: ws_001
created_by: analytics-team
configuration:
  data_source: daily_metrics
  grouping: [metric_date]
  aggregations:
    - {function: sum, column: credits_consumed}
    - {function: max, column: dau}
    - {function: count}
  filters:
    - {column: dau, operator: ">", value: 0}
    - {column: metric_date, operator: between, value: [2026-01-01, 2026-12-31]}
    - {column: bounce_rate, operator: is_not_null}
    - {column: workspace_id, operator: in, value: [ws_001, ws_002]}
  sorting:
    - {column: metric_date, direction: DESC}
    - sum_credits_consumed
  limit: 500
  chart_type: line
  chart_x: metric_date
  chart_y: [sum_credits_consumed, max_dau]
  date_range: last_7_days
schedule:
  frequency: weekly
  time: 08:30
  day_of_week: Monday
  timezone: Europe/Berlin
  recipients: [ops@example.com, "Data.Team+kpi@sub.example.org"]
  formats: [pdf, xlsx]
"""

EXPECTED = ReportDefinition(
    id="daily_kpi_overview",
    name="Daily KPI overview",
    description="DAU and credits of the last week",
    report_type="chart",
    workspace_id="ws_001",
    created_by="analytics-team",
    is_active=True,
    configuration=ReportConfiguration(
        data_source="daily_metrics",
        grouping=("metric_date",),
        aggregations=(
            Aggregation("sum", "credits_consumed"),
            Aggregation("max", "dau"),
            Aggregation("count"),
        ),
        filters=(
            Filter("dau", ">", 0),
            Filter("metric_date", "between", ("2026-01-01", "2026-12-31")),
            Filter("bounce_rate", "is_not_null"),
            Filter("workspace_id", "in", ("ws_001", "ws_002")),
        ),
        sorting=(Sort("metric_date", "desc"), Sort("sum_credits_consumed", "asc")),
        limit=500,
        chart_type="line",
        chart_x="metric_date",
        chart_y=("sum_credits_consumed", "max_dau"),
        date_range=DateRange(relative="last_7_days"),
    ),
    schedule=ReportSchedule(
        timezone="Europe/Berlin",
        frequency="weekly",
        time=time(8, 30),
        day_of_week="monday",
        recipients=("ops@example.com", "Data.Team+kpi@sub.example.org"),
        formats=("pdf", "xlsx"),
    ),
)


def base() -> dict[str, Any]:
    """A valid definition mapping to mutate."""
    return {
        "id": "kpi",
        "name": "KPI",
        "report_type": "table",
        "workspace_id": "ws_001",
        "configuration": {
            "data_source": "daily_metrics",
            "columns": ["metric_date", "dau", "credits_consumed"],
        },
        "schedule": {"frequency": "daily", "time": "07:00", "timezone": "UTC"},
    }


def with_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """base() with dotted paths set (value DELETE removes the key)."""
    data = base()
    for path, value in changes.items():
        *parents, key = path.split(".")
        target = data
        for parent in parents:
            target = target[parent]
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
    return data


class _Delete:
    """Marks a key to remove in with_changes."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()


def problems(data: Any) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data)
    return dict(caught.value.problems)


# -- valid definitions -------------------------------------------------------------


def test_yaml_file_parses_to_the_expected_definition(tmp_path: Path) -> None:
    (tmp_path / "daily_kpi_overview.yml").write_text(YAML_FILE)
    assert load_definition_files(tmp_path) == [EXPECTED]


def test_defaults() -> None:
    defn = parse_definition(with_changes({"schedule": None}))
    assert defn.description == ""
    assert defn.schedule is None
    assert defn.created_by is None
    assert defn.is_active is True
    assert defn.configuration.output_columns == ("metric_date", "dau", "credits_consumed")
    assert defn.configuration.limit is None
    schedule = parse_definition(base()).schedule
    assert schedule.formats == ("csv",)
    assert schedule.recipients == ()
    assert schedule.time == time(7, 0)


def test_all_workspaces_definition_for_a_source_with_such_rows() -> None:
    assert parse_definition(with_changes({"workspace_id": None})).workspace_id is None


def test_all_workspaces_definition_for_a_per_workspace_source() -> None:
    # Without all-workspaces rows, null means every workspace's rows.
    defn = parse_definition(
        with_changes(
            {
                "workspace_id": None,
                "configuration.data_source": "agent_performance",
                "configuration.columns": ["workspace_id", "metric_date"],
                "configuration.sorting": ["metric_date"],
            }
        )
    )
    assert defn.workspace_id is None


def test_labels_of_columns_and_aggregations() -> None:
    columns = with_changes(
        {"configuration.columns": ["metric_date", {"column": "dau", "label": "Active users"}]}
    )
    config = parse_definition(columns).configuration
    assert config.columns == ("metric_date", "dau")
    assert config.label("dau") == "Active users" and config.label("metric_date") is None
    aggregated = with_changes(
        {
            "configuration.columns": DELETE,
            "configuration.grouping": ["metric_date"],
            "configuration.aggregations": [
                {"function": "count_distinct", "column": "dau", "label": "Distinct counts"},
                {"function": "count"},
            ],
        }
    )
    config = parse_definition(aggregated).configuration
    assert config.label("count_distinct_dau") == "Distinct counts"
    assert config.label("row_count") is None
    for data in (columns, aggregated):
        defn = parse_definition(data)
        assert parse_definition(definition_to_record(defn)) == defn


RECORD_CASES = [
    EXPECTED,
    parse_definition(
        with_changes(
            {
                "schedule": {
                    "cron": "0  9 * * 1-5",
                    "timezone": "America/New_York",
                    "recipients": ["a@example.com"],
                    "formats": ["json", "csv"],
                },
                "configuration.date_range": {"start": date(2024, 2, 1), "end": "2024-02-29"},
                "configuration.filters": [
                    {"column": "metric_date", "operator": "<=", "value": date(2024, 2, 29)},
                    {"column": "dau", "operator": "not_in", "value": [1, 2.5]},
                    {"column": "workspace_id", "operator": "like", "value": "ws_%"},
                    {"column": "bounce_rate", "operator": "is_null"},
                    {"column": "events", "operator": "!=", "value": True},
                ],
                "is_active": False,
                "description": None,
            }
        )
    ),
    parse_definition(
        with_changes(
            {
                "workspace_id": None,
                "schedule": {
                    "frequency": "quarterly",
                    "time": "23:59",
                    "day_of_month": 31,
                    "timezone": "Asia/Kolkata",
                },
            }
        )
    ),
    parse_definition(with_changes({"schedule": DELETE})),
    parse_definition(
        with_changes(
            {
                "id": "every_quarter_hour",
                "schedule": {
                    "frequency": "interval",
                    "interval_minutes": 15,
                    "anchor": "2026-01-05T08:07:00+01:00",
                    "timezone": "Europe/Berlin",
                    "formats": ["json"],
                },
            }
        )
    ),
    parse_definition(
        with_changes(
            {
                "id": "by_hand",
                "schedule": {
                    "frequency": "manual",
                    "timezone": "UTC",
                    "recipients": ["qa@example.com"],
                    "formats": ["pdf", "csv"],
                },
            }
        )
    ),
]


@pytest.mark.parametrize("definition", RECORD_CASES, ids=lambda d: d.id)
def test_record_round_trip_through_json(definition: ReportDefinition) -> None:
    record = definition_to_record(definition)
    assert json.loads(json.dumps(record)) == record  # JSON-ready
    assert parse_definition(json.loads(json.dumps(record))) == definition
    assert set(record) == {
        "id",
        "name",
        "description",
        "report_type",
        "configuration",
        "schedule",
        "workspace_id",
        "created_by",
        "is_active",
    }


def test_record_shapes() -> None:
    record = definition_to_record(RECORD_CASES[1])
    assert record["schedule"] == {
        "cron": "0 9 * * 1-5",
        "timezone": "America/New_York",
        "recipients": ["a@example.com"],
        "formats": ["json", "csv"],
    }
    assert record["configuration"]["date_range"] == {"start": "2024-02-01", "end": "2024-02-29"}
    assert record["configuration"]["filters"][0] == {
        "column": "metric_date",
        "operator": "<=",
        "value": "2024-02-29",
    }
    assert record["configuration"]["filters"][3] == {"column": "bounce_rate", "operator": "is_null"}
    assert definition_to_record(EXPECTED)["schedule"]["time"] == "08:30"


def test_interval_and_manual_records() -> None:
    interval, manual = RECORD_CASES[-2:]
    assert interval.schedule == ReportSchedule(
        timezone="Europe/Berlin",
        frequency="interval",
        interval_minutes=15,
        anchor=datetime(2026, 1, 5, 7, 7, tzinfo=UTC),
        formats=("json",),
    )
    assert definition_to_record(interval)["schedule"] == {
        "frequency": "interval",
        "interval_minutes": 15,
        "anchor": "2026-01-05T07:07:00+00:00",
        "timezone": "Europe/Berlin",
        "recipients": [],
        "formats": ["json"],
    }
    assert definition_to_record(manual)["schedule"] == {
        "frequency": "manual",
        "timezone": "UTC",
        "recipients": ["qa@example.com"],
        "formats": ["pdf", "csv"],
    }


def test_interval_from_yaml_with_an_unquoted_timestamp_anchor(tmp_path: Path) -> None:
    path = tmp_path / "kpi.yml"
    path.write_text(
        YAML_FILE.replace("id: daily_kpi_overview", "id: kpi").replace(
            """schedule:
  frequency: weekly
  time: 08:30
  day_of_week: Monday
""",
            """schedule:
  frequency: interval
  interval_minutes: 90
  anchor: 2026-03-01T06:00:00-05:00
""",
        )
    )
    schedule = load_definition_files(tmp_path)[0].schedule
    assert (schedule.frequency, schedule.interval_minutes, schedule.anchor) == (
        "interval",
        90,
        datetime(2026, 3, 1, 11, 0, tzinfo=UTC),
    )
    assert schedule.time is None and schedule.day_of_week is None


def test_interval_anchor_defaults_to_none_meaning_the_epoch() -> None:
    schedule = parse_definition(
        with_changes(
            {"schedule": {"frequency": "interval", "interval_minutes": 1, "timezone": "UTC"}}
        )
    ).schedule
    assert (schedule.interval_minutes, schedule.anchor, schedule.time) == (1, None, None)


INTERVAL = {"frequency": "interval", "interval_minutes": 30, "timezone": "UTC"}
MANUAL = {"frequency": "manual", "timezone": "UTC"}
INTERVAL_AND_MANUAL_PROBLEMS = [
    (
        {"frequency": "interval", "timezone": "UTC"},
        {"schedule.interval_minutes": "required for interval schedules"},
    ),
    (
        INTERVAL | {"interval_minutes": 0},
        {"schedule.interval_minutes": "0 is not between 1 and 527040"},
    ),
    (
        INTERVAL | {"interval_minutes": -5},
        {"schedule.interval_minutes": "-5 is not between 1 and 527040"},
    ),
    (
        INTERVAL | {"interval_minutes": 527041},
        {"schedule.interval_minutes": "527041 is not between 1 and 527040"},
    ),
    (
        INTERVAL | {"interval_minutes": 1.5},
        {"schedule.interval_minutes": "expected a whole number, got float 1.5"},
    ),
    (
        INTERVAL | {"interval_minutes": "15"},
        {"schedule.interval_minutes": "expected a whole number, got str '15'"},
    ),
    (
        INTERVAL | {"time": "08:00", "day_of_week": "monday"},
        {
            "schedule.time": "not used with interval schedules (they run every "
            "interval_minutes from anchor)",
            "schedule.day_of_week": "not used with interval schedules (they run every "
            "interval_minutes from anchor)",
        },
    ),
    (
        INTERVAL | {"anchor": "2026-01-05T08:00:00"},
        {
            "schedule.anchor": "2026-01-05T08:00:00 needs a UTC offset (Z or e.g. +01:00): "
            "interval runs are absolute instants"
        },
    ),
    (
        INTERVAL | {"anchor": "2026-01-05"},
        {
            "schedule.anchor": "2026-01-05T00:00:00 needs a UTC offset (Z or e.g. +01:00): "
            "interval runs are absolute instants"
        },
    ),
    (
        INTERVAL | {"anchor": "yesterday"},
        {
            "schedule.anchor": "expected a date and time with UTC offset, e.g. "
            "2026-01-05T08:00:00+01:00, got str 'yesterday'"
        },
    ),
    (
        INTERVAL | {"anchor": 1767600000},
        {
            "schedule.anchor": "expected a date and time with UTC offset, e.g. "
            "2026-01-05T08:00:00+01:00, got int 1767600000"
        },
    ),
    (
        MANUAL | {"time": "08:00", "day_of_month": 1},
        {
            "schedule.time": "not used with manual schedules (they never run by themselves)",
            "schedule.day_of_month": "not used with manual schedules (they never run by "
            "themselves)",
        },
    ),
    (
        MANUAL | {"interval_minutes": 15, "anchor": "2026-01-05T08:00:00Z"},
        {
            "schedule.interval_minutes": "only for interval schedules",
            "schedule.anchor": "only for interval schedules",
        },
    ),
    (MANUAL | {"cron": "0 9 * * *"}, {"schedule.cron": "not allowed together with frequency"}),
    ({"frequency": "manual"}, {"schedule.timezone": "required"}),
    (
        {"frequency": "daily", "time": "07:00", "timezone": "UTC", "interval_minutes": 60},
        {"schedule.interval_minutes": "only for interval schedules"},
    ),
    (
        {"cron": "0 9 * * *", "timezone": "UTC", "anchor": "2026-01-05T08:00:00Z"},
        {"schedule.anchor": "only for interval schedules"},
    ),
    (
        {"frequency": "hourly", "timezone": "UTC"},
        {
            "schedule.frequency": "'hourly' is not one of daily, weekly, monthly, quarterly, "
            "interval, manual"
        },
    ),
]


@pytest.mark.parametrize(
    ("schedule", "expected"), INTERVAL_AND_MANUAL_PROBLEMS, ids=lambda v: str(v)[:70]
)
def test_interval_and_manual_problems_name_their_fields(
    schedule: dict[str, Any], expected: dict[str, str]
) -> None:
    assert problems(with_changes({"schedule": schedule})) == expected


def test_table_managed_timestamps_are_accepted_and_ignored() -> None:
    record = definition_to_record(EXPECTED) | {"created_at": "2026-01-01", "updated_at": None}
    assert parse_definition(record) == EXPECTED


# -- invalid definitions: every message names its field ------------------------------

INVALID_CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"id": "Daily KPI"}, "id", "'Daily KPI' is not a slug"),
    ({"id": DELETE}, "id", "required"),
    ({"name": ""}, "name", "expected non-empty text"),
    (
        {"report_type": "graph"},
        "report_type",
        "'graph' is not one of table, chart, dashboard, export",
    ),
    ({"workspace_id": DELETE}, "workspace_id", "required"),
    ({"workspace_id": 7}, "workspace_id", "expected non-empty text"),
    ({"is_active": "yes"}, "is_active", "expected true or false"),
    ({"owner": "me"}, "owner", "unknown field"),
    (
        {"configuration.data_source": "pg_catalog.pg_user"},
        "configuration.data_source",
        "not a published",
    ),
    ({"configuration.data_source": DELETE}, "configuration.data_source", "required"),
    ({"configuration.colums": ["dau"]}, "configuration.colums", "unknown field"),
    ({"configuration.columns": DELETE}, "configuration.columns", "required"),
    ({"configuration.columns": []}, "configuration.columns", "at least one column"),
    ({"configuration.columns": "dau"}, "configuration.columns", "expected a list"),
    ({"configuration.columns": ["dau", "dau"]}, "configuration.columns[1]", "duplicate 'dau'"),
    ({"configuration.columns": ["Dau"]}, "configuration.columns[0]", "is not a column name"),
    (
        {
            "configuration.filters": [
                {"column": "dau", "operator": "=", "value": 1},
                {"column": "dau", "operator": "drop", "value": 1},
            ]
        },
        "configuration.filters[1].operator",
        "'drop' is not one of =, !=, >, >=, <, <=, in, not_in, between, is_null, is_not_null, like",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "between", "value": [1]}]},
        "configuration.filters[0].value",
        "between needs exactly 2 values",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "between", "value": 1}]},
        "configuration.filters[0].value",
        "expected a list",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "in", "value": []}]},
        "configuration.filters[0].value",
        "non-empty list",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "not_in", "value": 3}]},
        "configuration.filters[0].value",
        "expected a list",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "in", "value": [1, None]}]},
        "configuration.filters[0].value[1]",
        "expected text, a number",
    ),
    (
        {
            "configuration.filters": [
                {"column": "dau", "operator": "in", "value": list(range(1001))}
            ]
        },
        "configuration.filters[0].value",
        "more than 1000 values",
    ),
    (
        {
            "configuration.filters": [
                {"column": "workspace_id", "operator": "=", "value": "w" * 1001}
            ]
        },
        "configuration.filters[0].value",
        "longer than 1000 characters",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "is_null", "value": None}]},
        "configuration.filters[0].value",
        "is_null takes no value",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "="}]},
        "configuration.filters[0].value",
        "required for =",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "=", "value": None}]},
        "configuration.filters[0].value",
        "expected text, a number",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "=", "value": float("nan")}]},
        "configuration.filters[0].value",
        "not a finite number",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "like", "value": 5}]},
        "configuration.filters[0].value",
        "like needs a text pattern",
    ),
    (
        {"configuration.filters": [{"column": "dau", "operator": "=", "value": 1, "or": 1}]},
        "configuration.filters[0].or",
        "unknown field",
    ),
    ({"configuration.limit": 0}, "configuration.limit", "0 is not between 1 and 1000000"),
    ({"configuration.limit": MAX_ROW_LIMIT + 1}, "configuration.limit", "is not between"),
    ({"configuration.limit": "10"}, "configuration.limit", "expected a whole number"),
    ({"configuration.limit": True}, "configuration.limit", "expected a whole number"),
    (
        {"configuration.chart_type": "donut"},
        "configuration.chart_type",
        "'donut' is not one of line",
    ),
    ({"report_type": "chart"}, "configuration.chart_type", "required for chart reports"),
    ({"configuration.chart_y": ["dau"]}, "configuration.chart_y", "only with chart_type"),
    ({"configuration.chart_type": "bar"}, "configuration.chart_y", "required with chart_type"),
    (
        {"configuration.chart_type": "pie", "configuration.chart_y": ["dau"]},
        "configuration.chart_x",
        "required for pie charts",
    ),
    (
        {"configuration.chart_type": "line", "configuration.chart_y": ["events"]},
        "configuration.chart_y[0]",
        "'events' is not a result column",
    ),
    (
        {"configuration.sorting": [{"column": "events"}]},
        "configuration.sorting[0].column",
        "'events' is not a result column (one of metric_date, dau, credits_consumed)",
    ),
    (
        {"configuration.sorting": [{"column": "dau", "direction": "up"}]},
        "configuration.sorting[0].direction",
        "'up' is not one of asc, desc",
    ),
    (
        {"configuration.aggregations": [{"function": "sum", "column": "dau"}]},
        "configuration.columns",
        "not allowed with grouping/aggregations",
    ),
    (
        {
            "configuration.columns": DELETE,
            "configuration.aggregations": [{"function": "median", "column": "dau"}],
        },
        "configuration.aggregations[0].function",
        "'median' is not one of sum, count, avg, min, max, count_distinct",
    ),
    (
        {"configuration.columns": DELETE, "configuration.aggregations": [{"function": "sum"}]},
        "configuration.aggregations[0].column",
        "required for sum",
    ),
    (
        {
            "configuration.columns": DELETE,
            "configuration.aggregations": [
                {"function": "sum", "column": "dau"},
                {"function": "sum", "column": "dau"},
            ],
        },
        "configuration.aggregations[1]",
        "duplicate 'sum_dau'",
    ),
    (
        {
            "configuration.columns": DELETE,
            "configuration.grouping": ["row_count"],
            "configuration.aggregations": [{"function": "count"}],
        },
        "configuration.aggregations[0]",
        "'row_count' is also a grouping column",
    ),
    (
        {
            "configuration.columns": DELETE,
            "configuration.grouping": ["metric_date"],
            "configuration.sorting": ["dau"],
        },
        "configuration.sorting[0].column",
        "'dau' is not a result column (one of metric_date)",
    ),
    (
        {"configuration.date_range": "last_week"},
        "configuration.date_range",
        "'last_week' is not one of today",
    ),
    (
        {"configuration.date_range": {"relative": "last_14_days"}},
        "configuration.date_range.relative",
        "is not one of",
    ),
    (
        {"configuration.date_range": {"start": "2026-02-01", "end": "2026-01-31"}},
        "configuration.date_range.end",
        "2026-01-31 is before start 2026-02-01",
    ),
    (
        {"configuration.date_range": {"start": "2026-02-30", "end": "2026-03-31"}},
        "configuration.date_range.start",
        "expected a date YYYY-MM-DD",
    ),
    (
        {"configuration.date_range": {"start": "2026-02-01"}},
        "configuration.date_range.end",
        "required",
    ),
    (
        {"configuration.columns": ["metric_date", {"column": "dau", "label": ""}]},
        "configuration.columns[1].label",
        "expected non-empty text",
    ),
    (
        {"configuration.columns": [{"label": "Daily active users"}]},
        "configuration.columns[0].column",
        "required",
    ),
    ({"schedule.time": "24:00"}, "schedule.time", "expected a time HH:MM"),
    ({"schedule.time": "7"}, "schedule.time", "expected a time HH:MM"),
    ({"schedule.time": 750}, "schedule.time", "expected a time HH:MM"),
    ({"schedule.time": DELETE}, "schedule.time", "required (HH:MM)"),
    ({"schedule.timezone": "Europe/Berln"}, "schedule.timezone", "not an IANA time zone name"),
    ({"schedule.timezone": "../../etc/passwd"}, "schedule.timezone", "not an IANA time zone name"),
    ({"schedule.timezone": DELETE}, "schedule.timezone", "required"),
    (
        {"schedule.frequency": "hourly"},
        "schedule.frequency",
        "'hourly' is not one of daily, weekly, monthly, quarterly",
    ),
    ({"schedule.frequency": "weekly"}, "schedule.day_of_week", "required for weekly schedules"),
    (
        {"schedule.frequency": "weekly", "schedule.day_of_week": "funday"},
        "schedule.day_of_week",
        "'funday' is not one of monday",
    ),
    ({"schedule.day_of_week": "monday"}, "schedule.day_of_week", "only for weekly schedules"),
    ({"schedule.frequency": "monthly"}, "schedule.day_of_month", "required for monthly schedules"),
    (
        {"schedule.frequency": "quarterly", "schedule.day_of_month": 32},
        "schedule.day_of_month",
        "32 is not between 1 and 31",
    ),
    ({"schedule.day_of_month": 1}, "schedule.day_of_month", "only for monthly and quarterly"),
    ({"schedule.cron": "0 9 * * 1-5"}, "schedule.cron", "not allowed together with frequency"),
    ({"schedule.frequency": DELETE, "schedule.time": DELETE}, "schedule", "give either frequency"),
    (
        {"schedule.frequency": DELETE, "schedule.cron": "0 9 * * 1-5"},
        "schedule.time",
        "not used with cron",
    ),
    (
        {"schedule.frequency": DELETE, "schedule.time": DELETE, "schedule.cron": "0 25 * * *"},
        "schedule.cron",
        "not a valid cron expression",
    ),
    (
        {
            "schedule.frequency": DELETE,
            "schedule.time": DELETE,
            "schedule.cron": "0 9 * * 1-5 2026",
        },
        "schedule.cron",
        "not a 5-field cron expression",
    ),
    (
        {"schedule.frequency": DELETE, "schedule.time": DELETE, "schedule.cron": "@daily"},
        "schedule.cron",
        "not a 5-field cron expression",
    ),
    (
        {"schedule.frequency": DELETE, "schedule.time": DELETE, "schedule.cron": "0 0 30 2 *"},
        "schedule.cron",
        "never matches",
    ),
    (
        {"schedule.recipients": ["ops@example.com", "not-an-address"]},
        "schedule.recipients[1]",
        "'not-an-address' is not an e-mail address",
    ),
    (
        {"schedule.recipients": ["a@b.com\nBcc: x@y.com"]},
        "schedule.recipients[0]",
        "is not an e-mail address",
    ),
    (
        {"schedule.recipients": ["a@localhost"]},
        "schedule.recipients[0]",
        "is not an e-mail address",
    ),
    (
        {"schedule.recipients": ["a..b@example.com"]},
        "schedule.recipients[0]",
        "is not an e-mail address",
    ),
    (
        {"schedule.recipients": ["A@example.com", "a@example.com"]},
        "schedule.recipients[1]",
        "duplicate",
    ),
    ({"schedule.recipients": "ops@example.com"}, "schedule.recipients", "expected a list"),
    (
        {"schedule.formats": ["csv", "docx"]},
        "schedule.formats[1]",
        "'docx' is not one of csv, xlsx, pdf, json",
    ),
    ({"schedule.formats": []}, "schedule.formats", "name at least one of csv, xlsx, pdf, json"),
    ({"schedule.formats": ["csv", "csv"]}, "schedule.formats[1]", "duplicate 'csv'"),
    ({"schedule.every": "day"}, "schedule.every", "unknown field"),
    ({"schedule": "daily"}, "schedule", "expected a mapping"),
    ({"configuration": []}, "configuration", "expected a mapping"),
]


@pytest.mark.parametrize(("changes", "field", "message"), INVALID_CASES, ids=lambda v: str(v)[:60])
def test_invalid_definition_names_the_field(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(with_changes(changes))
    found = dict(caught.value.problems)
    assert field in found, found
    assert message in found[field]
    assert f"{field}: {found[field]}" in str(caught.value)


def test_error_text_names_field_and_lists_every_problem() -> None:
    data = with_changes(
        {
            "report_type": "graph",
            "configuration.filters": [
                {"column": "dau", "operator": ">", "value": 1},
                {"column": "dau", "operator": "drop", "value": 1},
            ],
            "schedule.timezone": "Mars/Olympus",
        }
    )
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data)
    text = str(caught.value)
    assert "configuration.filters[1].operator: 'drop' is not one of =, !=, " in text
    assert caught.value.fields == (
        "report_type",
        "configuration.filters[1].operator",
        "schedule.timezone",
    )


def test_not_a_mapping() -> None:
    assert problems(None) == {"": "expected a mapping, got null"}
    assert problems(["id"]) == {"": "expected a mapping, got list ['id']"}


def test_parsing_does_not_change_its_input() -> None:
    data = with_changes(
        {"configuration.filters": [{"column": "dau", "operator": "in", "value": [1]}]}
    )
    snapshot = copy.deepcopy(data)
    parse_definition(data)
    assert data == snapshot


# -- files ---------------------------------------------------------------------------


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def test_files_load_sorted_by_id_and_other_extensions_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "daily_kpi_overview.yml", YAML_FILE)
    write(
        tmp_path,
        "agent_usage.yml",
        "id: agent_usage\nname: Agents\nreport_type: export\nworkspace_id: ws_002\n"
        "configuration: {data_source: agent_performance, columns: [agent_id, total_runs]}\n",
    )
    write(tmp_path, "notes.txt", "not a definition")
    write(tmp_path, "draft.yml.bak", "id: [")
    loaded = load_definition_files(tmp_path)
    assert [d.id for d in loaded] == ["agent_usage", "daily_kpi_overview"]
    assert loaded[0].schedule is None
    assert loaded[0].configuration.columns == ("agent_id", "total_runs")


def test_bad_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    write(tmp_path, "a_good.yml", YAML_FILE.replace("daily_kpi_overview", "a_good"))
    bad = write(
        tmp_path,
        "b_bad.yml",
        YAML_FILE.replace("daily_kpi_overview", "b_bad").replace(
            "operator: between", "operator: drop"
        ),
    )
    with pytest.raises(DefinitionError) as caught:
        load_definition_files(tmp_path)
    assert caught.value.source == str(bad)
    assert caught.value.fields == ("configuration.filters[1].operator",)
    assert str(caught.value).startswith(f"{bad}: configuration.filters[1].operator: 'drop'")


def test_file_stem_must_equal_the_id(tmp_path: Path) -> None:
    path = write(tmp_path, "weekly_kpis.yml", YAML_FILE)
    with pytest.raises(DefinitionError) as caught:
        load_definition_files(tmp_path)
    assert caught.value.source == str(path)
    assert caught.value.fields == ("id",)
    assert "'daily_kpi_overview' differs from the file name 'weekly_kpis.yml'" in str(caught.value)


def test_duplicate_keys_in_a_file_are_rejected(tmp_path: Path) -> None:
    # PyYAML alone keeps the last value; a repeated key must not silently win.
    path = write(tmp_path, "daily_kpi_overview.yml", YAML_FILE + "workspace_id: ws_999\n")
    with pytest.raises(DefinitionError) as caught:
        load_definition_files(tmp_path)
    assert caught.value.source == str(path)
    assert "duplicate key 'workspace_id'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("id: [unclosed\n", "not valid YAML"), ("", "expected a mapping, got null")],
)
def test_unreadable_file(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "broken.yml", text)
    with pytest.raises(DefinitionError) as caught:
        load_definition_files(tmp_path)
    assert caught.value.source == str(path)
    assert expected in str(caught.value)


def test_unquoted_times_in_yaml_stay_times(tmp_path: Path) -> None:
    # YAML 1.1 reads 12:30 as the base-60 number 750 and 8:30 as 510.
    for written, expected in (("12:30", time(12, 30)), ("8:30", time(8, 30))):
        write(
            tmp_path, "daily_kpi_overview.yml", YAML_FILE.replace("time: 08:30", f"time: {written}")
        )
        (loaded,) = load_definition_files(tmp_path)
        assert loaded.schedule.time == expected
