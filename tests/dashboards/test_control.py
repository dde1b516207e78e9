"""control.dashboard_definitions and control.dashboard_executions: the sync
rules of the report definitions (files win for their ids, rows added in the
table stay, invalid rows are reported, not fatal) and the executions' contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
from psycopg2.extensions import connection
from psycopg2.extras import Json

from analytics_pipeline import warehouse
from analytics_pipeline.dashboards.control import (
    DASHBOARD_EXECUTIONS,
    active_dashboard,
    ensure_dashboard_tables,
    read_dashboards,
    sync_dashboards,
)
from analytics_pipeline.dashboards.definition import dashboard_to_record, load_dashboard_file
from analytics_pipeline.reports.control import SyncResult
from analytics_pipeline.reports.executions import claim_execution, complete_execution
from analytics_pipeline.reports.render import RenderedFile
from analytics_pipeline.settings import REPO_DIR

pytestmark = pytest.mark.integration

EXAMPLE = load_dashboard_file(REPO_DIR / "dashboards" / "agent_platform_overview.yml")


@pytest.fixture
def conn(empty_database: str) -> Iterator[connection]:
    connection = psycopg2.connect(**warehouse.libpq_params(warehouse.admin_url()))
    try:
        ensure_dashboard_tables(connection)
        yield connection
    finally:
        connection.close()


def _execute(conn: connection, statement: str, params: tuple = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
    conn.commit()
    return rows


def test_files_win_for_their_ids_and_rows_added_in_the_table_stay(conn: connection) -> None:
    assert sync_dashboards(conn, [EXAMPLE]) == SyncResult(["agent_platform_overview"], [], [])
    assert sync_dashboards(conn, [EXAMPLE]) == SyncResult([], [], ["agent_platform_overview"])
    (updated_at,) = _execute(
        conn, "select updated_at from control.dashboard_definitions where id = %s", (EXAMPLE.id,)
    )[0]

    # an edit in the table of an id the files define is overwritten by the next sync
    _execute(conn, "update control.dashboard_definitions set name = 'Edited', role = 'LEADER'")
    # a dashboard added in the table (with its own, valid content) stays
    added = dashboard_to_record(replace(EXAMPLE, id="added_here", name="Added in the table"))
    _execute(
        conn,
        "insert into control.dashboard_definitions (id, name, workspace_id, date_range, widgets)"
        " values (%s, %s, %s, %s, %s)",
        (added["id"], added["name"], "w1", Json(added["date_range"]), Json(added["widgets"])),
    )
    assert sync_dashboards(conn, [EXAMPLE]) == SyncResult([], ["agent_platform_overview"], [])
    valid, invalid = read_dashboards(conn)
    assert invalid == []
    assert [d.id for d in valid] == ["added_here", "agent_platform_overview"]
    assert valid[1] == EXAMPLE
    assert (valid[0].name, valid[0].workspace_id, valid[0].schedule) == (
        "Added in the table",
        "w1",
        None,
    )
    (later,) = _execute(
        conn, "select updated_at from control.dashboard_definitions where id = %s", (EXAMPLE.id,)
    )[0]
    assert later > updated_at

    # an invalid row is reported with its field path; the others are still read
    widgets = added["widgets"]
    widgets[4]["chart"]["y"] = ["dau", "revenue"]
    _execute(
        conn,
        "update control.dashboard_definitions set widgets = %s where id = 'added_here'",
        (Json(widgets),),
    )
    valid, invalid = read_dashboards(conn)
    assert [d.id for d in valid] == ["agent_platform_overview"]
    assert [(row.id, row.error) for row in invalid] == [
        (
            "added_here",
            "widgets[4].chart.y[1]: 'revenue' is not a result column (one of metric_date, dau, "
            "total_runs)",
        )
    ]
    with pytest.raises(LookupError, match="'added_here' is invalid: widgets\\[4\\].chart.y\\[1\\]"):
        active_dashboard(conn, "added_here")
    with pytest.raises(LookupError, match="no active dashboard 'missing'"):
        active_dashboard(conn, "missing")
    assert active_dashboard(conn, EXAMPLE.id) == EXAMPLE


def test_executions_are_kept_per_dashboard_scheduled_time_and_format(
    conn: connection, tmp_path: Path
) -> None:
    ensure_dashboard_tables(conn)  # idempotent
    sync_dashboards(conn, [EXAMPLE])
    moment = datetime(2026, 3, 31, 7, tzinfo=UTC)
    execution = claim_execution(conn, EXAMPLE.id, moment, "html", table=DASHBOARD_EXECUTIONS)
    assert execution is not None and execution.status == "running"
    assert claim_execution(conn, EXAMPLE.id, moment, "html", table=DASHBOARD_EXECUTIONS) is None
    rendered = RenderedFile(tmp_path / "x.html", 12, "ab" * 32, 3, 5)
    done = complete_execution(conn, execution.id, rendered, table=DASHBOARD_EXECUTIONS)
    assert (done.report_id, done.format, done.status, done.file_size, done.sha256) == (
        EXAMPLE.id,
        "html",
        "completed",
        12,
        "ab" * 32,
    )
    assert _execute(
        conn, "select dashboard_id, format, status, record_count from control.dashboard_executions"
    ) == [(EXAMPLE.id, "html", "completed", 3)]
    # the reports' formats are not the dashboards'; the dashboard must exist
    with pytest.raises(ValueError, match="'csv' is not one of html, pdf"):
        claim_execution(conn, EXAMPLE.id, moment, "csv", table=DASHBOARD_EXECUTIONS)
    bad = {
        "insert into control.dashboard_executions (dashboard_id, scheduled_for, format) "
        "values ('agent_platform_overview', now(), 'csv')": psycopg2.errors.CheckViolation,
        "insert into control.dashboard_executions (dashboard_id, scheduled_for, format) "
        "values ('nobody', now(), 'pdf')": psycopg2.errors.ForeignKeyViolation,
        "insert into control.dashboard_definitions (id, name, date_range, widgets) "
        "values ('../x', 'X', '{}', '[]')": psycopg2.errors.CheckViolation,
    }
    for statement, error in bad.items():
        with pytest.raises(error):
            _execute(conn, statement)
        conn.rollback()
