"""Safe report queries against a real PostgreSQL: results checked against a
Python computation over the same rows, workspace scoping, limits, timeouts,
SQL injection attempts, and the server log of a dedicated role proving that
only the expected statements ran."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
import pytest
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, connection
from psycopg2.extras import Json

from analytics_pipeline import warehouse
from analytics_pipeline.reports.definition import (
    MAX_ROW_LIMIT,
    Aggregation,
    DefinitionError,
    Filter,
    ReportConfiguration,
    ReportDefinition,
    Sort,
    parse_definition,
)
from analytics_pipeline.reports.query import (
    SourceUnavailableError,
    build_query,
    fetch_source_columns,
    open_report_cursor,
)
from analytics_pipeline.reports.sources import REPORT_SOURCES

pytestmark = pytest.mark.integration

REFERENCE = date(2026, 3, 10)
DAYS = [date(2026, 3, 1) + timedelta(days=i) for i in range(10)]
WORKSPACES = ["w1", "w2", None]


def _daily_rows() -> list[dict[str, Any]]:
    rows = []
    for d, day in enumerate(DAYS):
        for w, workspace in enumerate(WORKSPACES):
            rows.append(
                {
                    "metric_date": day,
                    "workspace_id": workspace,
                    "dau": (d * 7 + w * 3) % 11,
                    "events": 5 * d + w,
                    "credits_consumed": Decimal(d) + Decimal(w) / 4,
                    "bounce_rate": None if d % 4 == 0 else Decimal(d) / 10,
                    "credits_by_model": {"model-a": d},
                }
            )
    return rows


DAILY_ROWS = _daily_rows()
DAILY_DDL = """
create table analytics.daily_metrics (
    metric_date date not null,
    workspace_id text,
    dau bigint not null,
    events bigint not null,
    credits_consumed numeric not null,
    bounce_rate numeric,
    credits_by_model jsonb not null
)"""

SUMMARY_ROWS = [
    {
        "as_of_date": date(2026, 3, 9),
        "workspace_id": "w1",
        "workspace_name": "Acme",
        "subscription_tier": "pro",
        "total_users": 12,
        "last_activity_at": datetime(2026, 3, 9, 17, 30, tzinfo=UTC),
    },
    {
        "as_of_date": date(2026, 3, 9),
        "workspace_id": "w2",
        "workspace_name": "x' or '1'='1",
        "subscription_tier": "free",
        "total_users": 3,
        "last_activity_at": None,
    },
]
SUMMARY_DDL = """
create table analytics.workspace_summary (
    as_of_date date not null,
    workspace_id text not null,
    workspace_name text,
    subscription_tier text,
    total_users bigint not null,
    last_activity_at timestamptz
)"""

AGENT_ROWS = [
    # metric_date, workspace_id, agent_id, agent_name, total_runs, credits_consumed,
    # avg_user_rating
    (DAYS[5], "w1", "a1", "Writer", 4, Decimal("1.5"), Decimal("4.5")),
    (DAYS[6], "w1", "a1", "Writer", 2, Decimal("0.25"), None),
    (DAYS[6], "w1", "a2", "Coder", 7, Decimal("3"), Decimal("3")),
    (DAYS[7], "w1", "a2", "Coder", 1, Decimal("0.5"), Decimal("5")),
    (DAYS[8], "w1", "a3", None, 3, Decimal("2"), None),
    (DAYS[8], "w2", "a1", "Writer", 50, Decimal("99"), Decimal("1")),
]
AGENT_DDL = """
create table analytics.agent_performance (
    metric_date date not null,
    workspace_id text not null,
    agent_id text not null,
    agent_name text,
    total_runs bigint not null,
    credits_consumed numeric not null,
    avg_user_rating numeric,
    errors_by_type jsonb not null default '{}'
)"""


def _connect(**overrides: str) -> connection:
    return psycopg2.connect(**(warehouse.libpq_params(warehouse.admin_url()) | overrides))


def _create_sources(conn: connection) -> None:
    with conn.cursor() as cur:
        cur.execute("create schema if not exists analytics")
        cur.execute(DAILY_DDL)
        cur.executemany(
            "insert into analytics.daily_metrics values (%s, %s, %s, %s, %s, %s, %s)",
            [(*list(r.values())[:-1], Json(r["credits_by_model"])) for r in DAILY_ROWS],
        )
        cur.execute(SUMMARY_DDL)
        cur.executemany(
            "insert into analytics.workspace_summary values (%s, %s, %s, %s, %s, %s)",
            [tuple(r.values()) for r in SUMMARY_ROWS],
        )
        cur.execute(AGENT_DDL)
        cur.executemany(
            "insert into analytics.agent_performance"
            " (metric_date, workspace_id, agent_id, agent_name, total_runs, credits_consumed,"
            " avg_user_rating) values (%s, %s, %s, %s, %s, %s, %s)",
            AGENT_ROWS,
        )
    conn.commit()


@pytest.fixture(scope="module")
def conn(fresh_database: str) -> Iterator[connection]:
    connection = _connect()
    _create_sources(connection)
    try:
        yield connection
    finally:
        connection.close()


def definition(configuration: dict[str, Any], workspace_id: str | None = "w1") -> ReportDefinition:
    return parse_definition(
        {
            "id": "test_report",
            "name": "Test report",
            "report_type": "table",
            "workspace_id": workspace_id,
            "configuration": configuration,
        }
    )


def run(
    conn: connection, defn: ReportDefinition, reference: date = REFERENCE, **options: Any
) -> tuple[list[str], list[tuple[Any, ...]]]:
    with open_report_cursor(conn, defn, reference, **options) as (columns, rows):
        return columns, list(rows)


def daily(workspace: str | None = "w1") -> list[dict[str, Any]]:
    return [r for r in DAILY_ROWS if r["workspace_id"] == workspace]


# -- catalog -------------------------------------------------------------------


def test_fetch_source_columns_lists_the_table_in_order(conn: connection) -> None:
    columns = fetch_source_columns(conn, REPORT_SOURCES["daily_metrics"])
    conn.rollback()
    assert columns == {
        "metric_date": "date",
        "workspace_id": "text",
        "dau": "bigint",
        "events": "bigint",
        "credits_consumed": "numeric",
        "bounce_rate": "numeric",
        "credits_by_model": "jsonb",
    }


def test_missing_source_table_is_a_clear_error(conn: connection) -> None:
    defn = definition({"data_source": "topic_mastery", "columns": ["mastery"]})
    with pytest.raises(SourceUnavailableError) as caught:
        run(conn, defn)
    assert caught.value.fields == ("configuration.data_source",)
    assert "analytics.topic_mastery does not exist" in str(caught.value)
    assert conn.get_transaction_status() == TRANSACTION_STATUS_IDLE


# -- results -------------------------------------------------------------------


def test_columns_date_range_filter_and_sort_match_python(conn: connection) -> None:
    defn = definition(
        {
            "data_source": "daily_metrics",
            "columns": ["metric_date", "dau", "credits_consumed"],
            "filters": [{"column": "dau", "operator": ">=", "value": 3}],
            "sorting": [{"column": "dau", "direction": "desc"}, "metric_date"],
            "date_range": "last_7_days",
        }
    )
    columns, rows = run(conn, defn)
    # last_7_days on 2026-03-10: 2026-03-03 .. 2026-03-09.
    expected = sorted(
        (
            (r["metric_date"], r["dau"], r["credits_consumed"])
            for r in daily()
            if date(2026, 3, 3) <= r["metric_date"] <= date(2026, 3, 9) and r["dau"] >= 3
        ),
        key=lambda row: (-row[1], row[0]),
    )
    assert columns == ["metric_date", "dau", "credits_consumed"]
    assert rows == expected
    assert len(rows) >= 4  # the filters keep a real selection


def test_absolute_range_and_default_order(conn: connection) -> None:
    defn = definition(
        {
            "data_source": "daily_metrics",
            "columns": ["dau", "metric_date"],
            "date_range": {"start": "2026-03-02", "end": "2026-03-04"},
        }
    )
    _, rows = run(conn, defn)
    expected = sorted(
        (r["dau"], r["metric_date"])
        for r in daily()
        if date(2026, 3, 2) <= r["metric_date"] <= date(2026, 3, 4)
    )
    assert rows == expected


def test_grouping_and_every_aggregate_match_python(conn: connection) -> None:
    defn = definition(
        {
            "data_source": "agent_performance",
            "grouping": ["agent_id"],
            "aggregations": [
                {"function": "sum", "column": "credits_consumed"},
                {"function": "avg", "column": "avg_user_rating"},
                {"function": "min", "column": "metric_date"},
                {"function": "max", "column": "total_runs"},
                {"function": "count", "column": "avg_user_rating"},
                {"function": "count_distinct", "column": "metric_date"},
                {"function": "count"},
            ],
            "sorting": [{"column": "sum_credits_consumed", "direction": "desc"}],
        }
    )
    columns, rows = run(conn, defn)
    assert columns == [
        "agent_id",
        "sum_credits_consumed",
        "avg_avg_user_rating",
        "min_metric_date",
        "max_total_runs",
        "count_avg_user_rating",
        "count_distinct_metric_date",
        "row_count",
    ]
    expected = []
    for agent in ("a1", "a2", "a3"):
        mine = [r for r in AGENT_ROWS if r[1] == "w1" and r[2] == agent]
        ratings = [r[6] for r in mine if r[6] is not None]
        expected.append(
            (
                agent,
                sum(r[5] for r in mine),
                sum(ratings) / len(ratings) if ratings else None,
                min(r[0] for r in mine),
                max(r[4] for r in mine),
                len(ratings),
                len({r[0] for r in mine}),
                len(mine),
            )
        )
    expected.sort(key=lambda row: -row[1])
    assert [row[0] for row in rows] == [row[0] for row in expected]  # a2 (3.5), a3 (2), a1 (1.75)
    for got, want in zip(rows, expected, strict=True):
        assert got[1] == want[1]  # exact numeric sum
        assert (got[2] is None) == (want[2] is None)
        if want[2] is not None:
            assert abs(got[2] - want[2]) < Decimal("1e-15")
        assert got[3:] == want[3:]


def test_aggregation_without_grouping_is_one_row(conn: connection) -> None:
    defn = definition(
        {
            "data_source": "daily_metrics",
            "aggregations": [{"function": "sum", "column": "dau"}, {"function": "count"}],
            "date_range": "month_to_date",
        }
    )
    _, rows = run(conn, defn)
    assert rows == [(sum(r["dau"] for r in daily()), len(daily()))]


FILTER_CASES: list[tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    ({"column": "dau", "operator": "=", "value": 3}, lambda r: r["dau"] == 3),
    ({"column": "dau", "operator": "!=", "value": 3}, lambda r: r["dau"] != 3),
    ({"column": "dau", "operator": ">", "value": 5}, lambda r: r["dau"] > 5),
    ({"column": "dau", "operator": ">=", "value": 5}, lambda r: r["dau"] >= 5),
    ({"column": "dau", "operator": "<", "value": 5}, lambda r: r["dau"] < 5),
    ({"column": "dau", "operator": "<=", "value": 5}, lambda r: r["dau"] <= 5),
    ({"column": "dau", "operator": "in", "value": [0, 3, 10]}, lambda r: r["dau"] in (0, 3, 10)),
    (
        {"column": "dau", "operator": "not_in", "value": [0, 3, 10]},
        lambda r: r["dau"] not in (0, 3, 10),
    ),
    (
        {"column": "events", "operator": "between", "value": [10, 30]},
        lambda r: 10 <= r["events"] <= 30,
    ),
    (
        {"column": "metric_date", "operator": "between", "value": ["2026-03-04", "2026-03-06"]},
        lambda r: date(2026, 3, 4) <= r["metric_date"] <= date(2026, 3, 6),
    ),
    (
        {"column": "metric_date", "operator": "in", "value": [date(2026, 3, 1), "2026-03-09"]},
        lambda r: r["metric_date"] in (date(2026, 3, 1), date(2026, 3, 9)),
    ),
    (
        {"column": "credits_consumed", "operator": ">", "value": 4.5},
        lambda r: r["credits_consumed"] > Decimal("4.5"),
    ),
    ({"column": "bounce_rate", "operator": "is_null"}, lambda r: r["bounce_rate"] is None),
    ({"column": "bounce_rate", "operator": "is_not_null"}, lambda r: r["bounce_rate"] is not None),
    # SQL semantics: a null never matches a comparison.
    (
        {"column": "bounce_rate", "operator": "!=", "value": 0.5},
        lambda r: r["bounce_rate"] is not None and r["bounce_rate"] != Decimal("0.5"),
    ),
    ({"column": "credits_by_model", "operator": "is_not_null"}, lambda r: True),
]


@pytest.mark.parametrize(
    ("condition", "predicate"),
    FILTER_CASES,
    ids=[f"{c['column']} {c['operator']}" for c, _ in FILTER_CASES],
)
def test_each_filter_operator_matches_python(
    conn: connection, condition: dict[str, Any], predicate: Callable[[dict[str, Any]], bool]
) -> None:
    defn = definition(
        {
            "data_source": "daily_metrics",
            "columns": ["metric_date", "dau"],
            "filters": [condition],
            "sorting": ["metric_date"],
        }
    )
    _, rows = run(conn, defn)
    expected = [(r["metric_date"], r["dau"]) for r in daily() if predicate(r)]
    assert rows == expected
    assert 0 < len(expected) <= 10 or condition["operator"] == "is_not_null"


def test_text_and_timestamp_filters(conn: connection) -> None:
    defn = definition(
        {
            "data_source": "workspace_summary",
            "columns": ["workspace_id", "workspace_name", "last_activity_at"],
            "filters": [
                {"column": "workspace_name", "operator": "like", "value": "Ac%"},
                {"column": "last_activity_at", "operator": ">=", "value": "2026-03-09T17:30:00"},
                {
                    "column": "last_activity_at",
                    "operator": "<",
                    "value": "2026-03-09T18:31:00+01:00",
                },
            ],
        }
    )
    _, rows = run(conn, defn)
    assert rows == [("w1", "Acme", datetime(2026, 3, 9, 17, 30, tzinfo=UTC))]


# -- scoping and limits ------------------------------------------------------------


def test_all_workspaces_definition_reads_only_the_all_workspaces_rows(conn: connection) -> None:
    defn = definition(
        {"data_source": "daily_metrics", "columns": ["workspace_id", "metric_date", "dau"]},
        workspace_id=None,
    )
    _, rows = run(conn, defn)
    assert rows == [(None, r["metric_date"], r["dau"]) for r in daily(None)]


def test_all_workspaces_definition_of_a_per_workspace_source_reads_every_workspace(
    conn: connection,
) -> None:
    defn = definition(
        {
            "data_source": "agent_performance",
            "columns": ["workspace_id", "agent_id", "total_runs"],
            "sorting": ["workspace_id", "agent_id", "total_runs"],
        },
        workspace_id=None,
    )
    _, rows = run(conn, defn)
    assert rows == sorted((r[1], r[2], r[4]) for r in AGENT_ROWS)


def test_rows_of_another_workspace_never_appear(conn: connection) -> None:
    for condition in (
        {"column": "workspace_id", "operator": "=", "value": "w2"},
        {"column": "workspace_id", "operator": "in", "value": ["w1", "w2"]},
        {"column": "workspace_id", "operator": "is_null"},
        {"column": "workspace_id", "operator": "like", "value": "%"},
    ):
        defn = definition(
            {
                "data_source": "agent_performance",
                "columns": ["workspace_id", "agent_id", "total_runs"],
                "filters": [condition],
            }
        )
        _, rows = run(conn, defn)
        assert {row[0] for row in rows} <= {"w1"}, condition
        assert 50 not in {row[2] for row in rows}


def test_configured_limit_and_hard_maximum(conn: connection) -> None:
    config = {
        "data_source": "daily_metrics",
        "columns": ["metric_date"],
        "sorting": [{"column": "metric_date", "direction": "desc"}],
        "limit": 3,
    }
    _, rows = run(conn, definition(config))
    assert rows == [(d,) for d in sorted(DAYS, reverse=True)[:3]]
    _, rows = run(conn, definition(config), max_rows=2)
    assert rows == [(d,) for d in sorted(DAYS, reverse=True)[:2]]

    catalog = fetch_source_columns(conn, REPORT_SOURCES["daily_metrics"])
    conn.rollback()
    unlimited = definition({"data_source": "daily_metrics", "columns": ["dau"]})
    _, params = build_query(unlimited, catalog, None, max_rows=10 * MAX_ROW_LIMIT)
    assert params == ["w1", MAX_ROW_LIMIT]


def test_rows_stream_in_batches(conn: connection) -> None:
    defn = definition({"data_source": "daily_metrics", "columns": ["metric_date"]})
    with open_report_cursor(conn, defn, REFERENCE, fetch_size=3) as (columns, rows):
        assert columns == ["metric_date"]
        assert [row[0] for row in rows] == DAYS


def test_transaction_is_read_only_with_local_timeout(conn: connection) -> None:
    defn = definition({"data_source": "daily_metrics", "columns": ["dau"]})
    with (
        open_report_cursor(conn, defn, REFERENCE, statement_timeout_ms=4321),
        conn.cursor() as cur,
    ):
        cur.execute("show transaction_read_only")
        assert cur.fetchone() == ("on",)
        cur.execute("show statement_timeout")
        assert cur.fetchone() == ("4321ms",)
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
            cur.execute("create table analytics.should_not_exist (x int)")
    assert conn.get_transaction_status() == TRANSACTION_STATUS_IDLE
    with conn.cursor() as cur:
        cur.execute("show statement_timeout")
        assert cur.fetchone() == ("0",)
        cur.execute("select to_regclass('analytics.should_not_exist')")
        assert cur.fetchone() == (None,)
    conn.rollback()


def test_connection_with_open_transaction_is_refused(conn: connection) -> None:
    defn = definition({"data_source": "daily_metrics", "columns": ["dau"]})
    with conn.cursor() as cur:
        cur.execute("select 1")
    with pytest.raises(ValueError, match="transaction in progress"):
        run(conn, defn)
    conn.rollback()


def test_statement_timeout_stops_a_long_query(empty_database: str) -> None:
    slow = _connect()
    try:
        with slow.cursor() as cur:
            cur.execute("create schema if not exists analytics")
            # ~10^10 row pairs: minutes of work, far beyond the timeout.
            cur.execute(
                "create view analytics.top_agents as"
                " select date '2026-03-09' as as_of_date, 'w1'::text as workspace_id,"
                " count(*) as total_runs"
                " from generate_series(1, 100000) a cross join generate_series(1, 100000) b"
            )
        slow.commit()
        defn = definition({"data_source": "top_agents", "columns": ["total_runs"]})
        started = time.monotonic()
        with pytest.raises(psycopg2.errors.QueryCanceled):
            run(slow, defn, statement_timeout_ms=200)
        assert time.monotonic() - started < 20
        assert slow.get_transaction_status() == TRANSACTION_STATUS_IDLE
        with slow.cursor() as cur:
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
    finally:
        slow.close()


# -- type checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configuration", "field", "message"),
    [
        (
            {"columns": ["metric_date", "nope"]},
            "configuration.columns[1]",
            "unknown column 'nope' in analytics.daily_metrics",
        ),
        (
            {"columns": ["dau"], "filters": [{"column": "nope", "operator": "is_null"}]},
            "configuration.filters[0].column",
            "unknown column 'nope'",
        ),
        (
            {"grouping": ["nope"], "aggregations": [{"function": "count"}]},
            "configuration.grouping[0]",
            "unknown column 'nope'",
        ),
        (
            {"aggregations": [{"function": "sum", "column": "workspace_id"}]},
            "configuration.aggregations[0].function",
            "sum does not apply to 'workspace_id' (text)",
        ),
        (
            {"aggregations": [{"function": "avg", "column": "metric_date"}]},
            "configuration.aggregations[0].function",
            "avg does not apply to 'metric_date' (date)",
        ),
        (
            {"aggregations": [{"function": "max", "column": "credits_by_model"}]},
            "configuration.aggregations[0].function",
            "max does not apply",
        ),
        (
            {"columns": ["dau"], "filters": [{"column": "dau", "operator": "like", "value": "1%"}]},
            "configuration.filters[0].operator",
            "like does not apply to 'dau' (bigint)",
        ),
        (
            {
                "columns": ["dau"],
                "filters": [{"column": "credits_by_model", "operator": "=", "value": "{}"}],
            },
            "configuration.filters[0].operator",
            "= does not apply to 'credits_by_model' (jsonb)",
        ),
        (
            {"columns": ["dau"], "filters": [{"column": "dau", "operator": "=", "value": "3"}]},
            "configuration.filters[0].value",
            "'3' does not fit column type bigint",
        ),
        (
            {"columns": ["dau"], "filters": [{"column": "dau", "operator": "=", "value": True}]},
            "configuration.filters[0].value",
            "does not fit column type bigint",
        ),
        (
            {
                "columns": ["dau"],
                "filters": [{"column": "metric_date", "operator": ">", "value": "03/01/2026"}],
            },
            "configuration.filters[0].value",
            "'03/01/2026' does not fit column type date",
        ),
        (
            {
                "columns": ["dau"],
                "filters": [{"column": "workspace_id", "operator": "in", "value": ["w1", 2]}],
            },
            "configuration.filters[0].value[1]",
            "2 does not fit column type text",
        ),
        (
            {
                "columns": ["dau"],
                "filters": [{"column": "events", "operator": "between", "value": [30, 10]}],
            },
            "configuration.filters[0].value",
            "low 30 is greater than high 10",
        ),
    ],
)
def test_catalog_and_type_checks_name_the_field(
    conn: connection, configuration: dict[str, Any], field: str, message: str
) -> None:
    catalog = fetch_source_columns(conn, REPORT_SOURCES["daily_metrics"])
    conn.rollback()
    defn = definition({"data_source": "daily_metrics", **configuration})
    with pytest.raises(DefinitionError) as caught:
        build_query(defn, catalog, None)
    assert caught.value.fields == (field,)
    assert message in str(caught.value)


# -- injection -----------------------------------------------------------------------


def _tables(conn: connection) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.tables"
            " where table_schema = 'analytics' order by 1"
        )
        names = [row[0] for row in cur.fetchall()]
    conn.rollback()
    return names


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        ({"columns": ["dau; drop table x"]}, "configuration.columns[0]"),
        ({"columns": ['dau" from pg_user --']}, "configuration.columns[0]"),
        ({"columns": ["(select usename from pg_user)"]}, "configuration.columns[0]"),
        (
            {"filters": [{"column": "dau = 1 or 1", "operator": "is_null"}]},
            "configuration.filters[0].column",
        ),
        (
            {"filters": [{"column": "dau", "operator": "= 1 or 1 ="}]},
            "configuration.filters[0].operator",
        ),
        (
            {"sorting": ["metric_date; drop table analytics.daily_metrics"]},
            "configuration.sorting[0]",
        ),
        (
            {"sorting": [{"column": "metric_date", "direction": "desc; drop table x"}]},
            "configuration.sorting[0].direction",
        ),
        ({"data_source": "analytics.daily_metrics; drop table x"}, "configuration.data_source"),
        ({"data_source": "pg_catalog.pg_user"}, "configuration.data_source"),
        ({"data_source": "raw.user_activity"}, "configuration.data_source"),
        ({"data_source": "pg_user"}, "configuration.data_source"),
    ],
)
def test_sql_in_names_is_rejected_when_parsing(mutation: dict[str, Any], field: str) -> None:
    configuration = {"data_source": "daily_metrics", "columns": ["metric_date", "dau"]} | mutation
    with pytest.raises(DefinitionError) as caught:
        definition(configuration)
    assert field in caught.value.fields


def test_sql_in_names_is_rejected_by_the_query_builder_too(conn: connection) -> None:
    """Definitions built in code skip parse_definition; the builder checks again."""
    catalog = fetch_source_columns(conn, REPORT_SOURCES["daily_metrics"])
    conn.rollback()
    base = definition({"data_source": "daily_metrics", "columns": ["metric_date", "dau"]})
    config = base.configuration
    attempts = [
        (replace(config, columns=('dau" from pg_user --',)), "configuration.columns[0]"),
        (replace(config, columns=("dau; drop table x",)), "configuration.columns[0]"),
        (
            replace(config, filters=(Filter("dau", "= 1 or 1 =", 1),)),
            "configuration.filters[0].operator",
        ),
        (
            replace(config, filters=(Filter("dau) or (1=1", "is_null"),)),
            "configuration.filters[0].column",
        ),
        (
            replace(config, sorting=(Sort("metric_date; drop table x"),)),
            "configuration.sorting[0].column",
        ),
        (
            replace(config, sorting=(Sort("dau", "desc; drop table x"),)),
            "configuration.sorting[0].direction",
        ),
        (
            replace(config, columns=(), aggregations=(Aggregation("pg_sleep", "dau"),)),
            "configuration.aggregations[0].function",
        ),
        (replace(config, data_source="pg_catalog.pg_user"), "configuration.data_source"),
        (
            ReportConfiguration(data_source="raw.user_activity", columns=("event_id",)),
            "configuration.data_source",
        ),
    ]
    for configuration, field in attempts:
        with pytest.raises(DefinitionError) as caught:
            build_query(replace(base, configuration=configuration), catalog, None)
        assert caught.value.fields == (field,), configuration


@pytest.mark.parametrize(
    "condition",
    [
        {"column": "workspace_name", "operator": "=", "value": "x' or '1'='1"},
        {"column": "workspace_name", "operator": "=", "value": "Acme' or '1'='1"},
        {"column": "workspace_name", "operator": "like", "value": "%' or '1'='1"},
        {"column": "workspace_name", "operator": "in", "value": ["'; drop table analytics.x; --"]},
        {
            "column": "workspace_name",
            "operator": "=",
            "value": "'); drop table analytics.daily_metrics; --",
        },
        {"column": "subscription_tier", "operator": "=", "value": "pro\\' or 1=1 --"},
    ],
)
def test_sql_in_filter_values_is_a_plain_value(conn: connection, condition: dict[str, Any]) -> None:
    before = _tables(conn)
    defn = definition(
        {
            "data_source": "workspace_summary",
            "columns": ["workspace_id", "workspace_name"],
            "filters": [condition],
        }
    )
    _, rows = run(conn, defn)
    assert rows == []  # w1's name is Acme; the tricky name belongs to w2, out of scope
    assert _tables(conn) == before


def test_a_value_that_looks_like_sql_matches_itself(conn: connection) -> None:
    defn = definition(
        {
            "data_source": "workspace_summary",
            "columns": ["workspace_id", "workspace_name"],
            "filters": [{"column": "workspace_name", "operator": "=", "value": "x' or '1'='1"}],
        },
        workspace_id="w2",
    )
    _, rows = run(conn, defn)
    assert rows == [("w2", "x' or '1'='1")]


# -- server log of a dedicated role --------------------------------------------------

_LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\w+):  (.*)$")


def _log_entries(log_file: Path, offset: int, pid: int) -> list[tuple[str, str]]:
    """(level, message) of the server log entries of backend `pid` after byte `offset`."""
    entries: list[tuple[int, str, str]] = []
    with log_file.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", errors="replace")
    for line in text.splitlines():
        match = _LOG_ENTRY.match(line)
        if match:
            entries.append((int(match[1]), match[2], match[3]))
        elif entries:  # continuation line of a multi-line entry
            pid_, level, message = entries[-1]
            entries[-1] = (pid_, level, f"{message}\n{line}")
    return [(level, message) for pid_, level, message in entries if pid_ == pid]


ROLE_PASSWORD = uuid.uuid4().hex


@pytest.fixture
def report_role(conn: connection) -> Iterator[str]:
    role = f"report_reader_{uuid.uuid4().hex[:8]}"
    database = conn.get_dsn_parameters()["dbname"]
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f"create role {role} login password %s", (ROLE_PASSWORD,))
            cur.execute(f'grant connect on database "{database}" to {role}')
            cur.execute(f"grant usage on schema analytics to {role}")
            cur.execute(f"grant select on analytics.workspace_summary to {role}")
            cur.execute(f"alter role {role} set log_statement = 'all'")
        yield role
    finally:
        with conn.cursor() as cur:
            cur.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s", (role,)
            )
            cur.execute(f"drop owned by {role}")
            cur.execute(f"drop role {role}")
        conn.autocommit = False


def test_only_the_expected_statements_run_as_the_report_role(
    conn: connection, report_role: str
) -> None:
    if not warehouse.embedded_server().log_file.exists():
        pytest.skip("needs the embedded server's log file")
    log_file = warehouse.embedded_server().log_file
    offset = log_file.stat().st_size
    defn = definition(
        {
            "data_source": "workspace_summary",
            "columns": ["workspace_id", "workspace_name", "total_users"],
            "filters": [
                {"column": "workspace_name", "operator": "!=", "value": "x'; drop table y; --"}
            ],
            "sorting": ["workspace_name"],
            "date_range": "yesterday",
        },
        workspace_id="w1",
    )
    catalog = fetch_source_columns(conn, REPORT_SOURCES["workspace_summary"])
    query, params = build_query(defn, catalog, (date(2026, 3, 9), date(2026, 3, 9)))
    expected_select = conn.cursor().mogrify(query, params).decode()
    conn.rollback()

    reader = _connect(user=report_role, password=ROLE_PASSWORD)
    try:
        with conn.cursor() as cur:
            cur.execute("select pid from pg_stat_activity where usename = %s", (report_role,))
            (pid,) = cur.fetchone()
        conn.rollback()
        with open_report_cursor(
            reader, defn, REFERENCE, statement_timeout_ms=5000, fetch_size=1
        ) as (columns, rows):
            result = list(rows)
    finally:
        reader.close()
    assert columns == ["workspace_id", "workspace_name", "total_users"]
    assert result == [("w1", "Acme", 12)]

    deadline = time.monotonic() + 10
    while True:
        entries = _log_entries(log_file, offset, pid)
        statements = [m.removeprefix("statement: ") for level, m in entries if level == "LOG"]
        if "COMMIT" in statements or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [entry for entry in entries if entry[0] != "LOG"] == []
    assert all(m.startswith("statement: ") for _, m in entries)
    cursor_name = re.search(r'DECLARE "(report_[0-9a-f]{32})"', "\n".join(statements))[1]
    assert statements == [
        "BEGIN",
        "set transaction read only",
        "set local statement_timeout = 5000",
        "select set_config('app.workspace_id', 'w1', true)",
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'analytics' and table_name = 'workspace_summary'"
        " order by ordinal_position",
        f'DECLARE "{cursor_name}" CURSOR WITHOUT HOLD FOR {expected_select}',
        f'FETCH FORWARD 1 FROM "{cursor_name}"',
        f'FETCH FORWARD 1 FROM "{cursor_name}"',
        f'CLOSE "{cursor_name}"',
        "COMMIT",
    ]
    assert "drop table y" in expected_select  # the value is inside a quoted literal
    assert "'x''; drop table y; --'" in expected_select
