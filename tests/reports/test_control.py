"""control schema DDL, and syncing / reading report definitions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import psycopg2
import psycopg2.errors
import pytest
from psycopg2.extensions import connection
from psycopg2.extras import Json

from analytics_pipeline import warehouse
from analytics_pipeline.reports.control import (
    DEFINITION_FIELDS,
    ensure_control_schema,
    read_definitions,
    sync_definitions,
)

pytestmark = pytest.mark.integration

PUBLISHED = {"daily_metrics", "active_users"}


def validate(record: Mapping[str, Any]) -> str:
    """Stand-in for definition.parse_definition: checks one field, names it."""
    source = (record.get("configuration") or {}).get("data_source")
    if source not in PUBLISHED:
        raise ValueError(f"configuration.data_source: {source!r} is not a published source")
    return record["id"]


def definition(report_id: str, source: str = "daily_metrics", **fields: Any) -> dict[str, Any]:
    return {
        "id": report_id,
        "name": f"Report {report_id}",
        "description": "test report",
        "report_type": "table",
        "configuration": {"data_source": source, "columns": ["metric_date", "dau"], "limit": 10},
        "schedule": {"frequency": "daily", "time": "07:00", "timezone": "UTC"},
        "workspace_id": "ws_1",
        "created_by": "tests",
        "is_active": True,
        **fields,
    }


@pytest.fixture
def conn(empty_database: str) -> Iterator[connection]:
    connection = psycopg2.connect(**warehouse.libpq_params(warehouse.admin_url()))
    try:
        ensure_control_schema(connection)
        yield connection
    finally:
        connection.close()


def table_rows(conn: connection) -> dict[str, dict[str, Any]]:
    with conn.cursor() as cur:
        cur.execute(
            f"select {', '.join(DEFINITION_FIELDS)}, created_at, updated_at "
            "from control.report_definitions"
        )
        names = [d.name for d in cur.description]
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}
    conn.rollback()
    return rows


def insert_directly(conn: connection, record: Mapping[str, Any]) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "insert into control.report_definitions "
            "(id, name, report_type, configuration, is_active) values (%s, %s, %s, %s, %s)",
            (
                record["id"],
                record["name"],
                record["report_type"],
                Json(record["configuration"]),
                record["is_active"],
            ),
        )
    conn.commit()


def test_ddl_is_idempotent_and_enforces_the_contract(conn: connection) -> None:
    ensure_control_schema(conn)
    conn.autocommit = True
    ensure_control_schema(conn)  # also inside its own transaction on autocommit
    conn.autocommit = False
    insert_directly(conn, definition("kpi"))
    ensure_control_schema(conn)
    assert list(table_rows(conn)) == ["kpi"]

    with conn.cursor() as cur:
        cur.execute(
            "select conname from pg_constraint where conrelid = "
            "'control.report_executions'::regclass and contype in ('u', 'f')"
        )
        assert {r[0] for r in cur.fetchall()} == {
            "report_executions_once",
            "report_executions_report_id_fkey",
        }
        cur.execute("select indexname from pg_indexes where schemaname = 'control'")
        assert {
            "report_executions_running",
            "report_executions_delivery_pending",
            "report_executions_once",
        } <= {r[0] for r in cur.fetchall()}
    conn.rollback()

    bad_statements = {
        "insert into control.report_definitions (id, name, report_type, configuration) "
        "values ('x', 'X', 'spreadsheet', '{}')": psycopg2.errors.CheckViolation,
        "insert into control.report_definitions (id, name, report_type, configuration) "
        "values ('../etc', 'X', 'table', '{}')": psycopg2.errors.CheckViolation,
        "insert into control.report_executions (report_id, scheduled_for, format) "
        "values ('kpi', '2026-01-01', 'docx')": psycopg2.errors.CheckViolation,
        "insert into control.report_executions (report_id, scheduled_for, format, status) "
        "values ('kpi', '2026-01-01', 'csv', 'done')": psycopg2.errors.CheckViolation,
        "insert into control.report_executions (report_id, scheduled_for, format, status) "
        "values ('kpi', '2026-01-01', 'csv', 'completed')": psycopg2.errors.CheckViolation,
        "insert into control.report_executions (report_id, scheduled_for, format) "
        "values ('nope', '2026-01-01', 'csv')": psycopg2.errors.ForeignKeyViolation,
        "insert into control.report_executions (report_id, scheduled_for, format) "
        "values ('kpi', '2026-01-01', 'csv'), "
        "('kpi', '2026-01-01 00:00+00', 'csv')": psycopg2.errors.UniqueViolation,
    }
    for statement, error in bad_statements.items():
        with pytest.raises(error), conn.cursor() as cur:
            cur.execute("set timezone = 'UTC'")
            cur.execute(statement)
        conn.rollback()


def test_sync_is_all_or_nothing(conn: connection) -> None:
    records = [definition("a"), definition("b"), definition("c", source="raw.users")]
    with pytest.raises(ValueError, match=r"^configuration\.data_source: 'raw\.users'"):
        sync_definitions(conn, records, validate)
    assert table_rows(conn) == {}

    assert sync_definitions(conn, [definition("a")], validate).inserted == ["a"]
    before = table_rows(conn)
    changed_a = definition("a", name="Renamed")
    with pytest.raises(ValueError, match="configuration.data_source"):
        sync_definitions(conn, [changed_a, definition("bad", source=None)], validate)
    assert table_rows(conn) == before

    # A record that passes validation but breaks a table constraint rolls the
    # whole sync back too.
    with pytest.raises(psycopg2.errors.CheckViolation):
        sync_definitions(conn, [changed_a, definition("d", report_type="spreadsheet")], validate)
    assert table_rows(conn) == before

    with pytest.raises(ValueError, match="id: defined twice"):
        sync_definitions(conn, [changed_a, definition("a")], validate)
    with pytest.raises(ValueError, match="unknown field 'colour'"):
        sync_definitions(conn, [definition("e", colour="red")], validate)
    assert table_rows(conn) == before


def test_updated_at_moves_only_when_content_changes(conn: connection) -> None:
    result = sync_definitions(conn, [definition("a"), definition("b")], validate)
    assert (result.inserted, result.updated, result.unchanged) == (["a", "b"], [], [])
    first = table_rows(conn)
    assert first["a"]["created_at"] == first["a"]["updated_at"]

    result = sync_definitions(conn, [definition("a"), definition("b")], validate)
    assert (result.inserted, result.updated, result.unchanged) == ([], [], ["a", "b"])
    assert table_rows(conn) == first

    # Same JSON with keys in another order is the same content.
    b = definition("b")
    b["configuration"] = dict(reversed(list(b["configuration"].items())))
    a = definition("a", configuration={"data_source": "active_users", "columns": ["dau"]})
    result = sync_definitions(conn, [a, b], validate)
    assert (result.inserted, result.updated, result.unchanged) == ([], ["a"], ["b"])
    second = table_rows(conn)
    assert second["a"]["configuration"] == a["configuration"]
    assert second["a"]["updated_at"] > first["a"]["updated_at"]
    assert second["a"]["created_at"] == first["a"]["created_at"]
    assert second["b"] == first["b"]

    # Direct table edits follow the same rule.
    with conn.cursor() as cur:
        cur.execute("update control.report_definitions set name = name where id = 'b'")
        cur.execute("update control.report_definitions set is_active = false where id = 'a'")
    conn.commit()
    third = table_rows(conn)
    assert third["b"] == second["b"]
    assert third["a"]["updated_at"] > second["a"]["updated_at"]
    assert third["a"]["is_active"] is False


def test_sync_leaves_definitions_added_in_the_table_alone(conn: connection) -> None:
    insert_directly(conn, definition("table_only", source="active_users"))
    added = table_rows(conn)["table_only"]
    result = sync_definitions(conn, [definition("from_file")], validate)
    assert result.inserted == ["from_file"]
    rows = table_rows(conn)
    assert set(rows) == {"table_only", "from_file"}
    assert rows["table_only"] == added
    # Optional fields take their defaults when a record leaves them out.
    minimal = {k: definition("minimal")[k] for k in ("id", "name", "report_type", "configuration")}
    sync_definitions(conn, [minimal], validate)
    row = table_rows(conn)["minimal"]
    assert (row["schedule"], row["workspace_id"], row["is_active"]) == (None, None, True)


def test_a_bad_table_row_does_not_stop_reading_the_others(conn: connection) -> None:
    sync_definitions(conn, [definition("a"), definition("c")], validate)
    insert_directly(conn, definition("b", source="pg_catalog.pg_user"))
    insert_directly(conn, definition("d_off", is_active=False))
    seen: list[dict[str, Any]] = []

    def recording_validate(record: Mapping[str, Any]) -> str:
        seen.append(dict(record))
        return validate(record)

    valid, invalid = read_definitions(conn, recording_validate)
    assert valid == ["a", "c"]
    assert [(i.id, i.error) for i in invalid] == [
        ("b", "configuration.data_source: 'pg_catalog.pg_user' is not a published source")
    ]
    assert invalid[0].record["configuration"]["data_source"] == "pg_catalog.pg_user"
    # validate sees exactly the definition fields, round-tripped from the table.
    assert seen[0] == definition("a")

    valid, invalid = read_definitions(conn, validate, active_only=False)
    assert valid == ["a", "c", "d_off"]
    assert [i.id for i in invalid] == ["b"]


def test_refuses_a_connection_with_an_open_transaction(conn: connection) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "insert into control.report_definitions (id, name, report_type, configuration)"
            " values ('mine', 'Mine', 'table', '{}')"
        )
    with pytest.raises(RuntimeError, match="transaction open"):
        sync_definitions(conn, [definition("a")], validate)
    conn.rollback()
    assert table_rows(conn) == {}
