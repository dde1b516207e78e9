"""What a manager sees in a generated report: labels from the dbt docs as
headers, rates as percentages, workspaces by name (read as the reader role,
under row-level security) and a plain "No data for <period>" when a period is
empty; CSV keeps the raw names and values. Real warehouse, real roles."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import psycopg2
import pypdf
import pytest
from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.reports.control import ensure_control_schema, sync_definitions
from analytics_pipeline.reports.definition import parse_definition
from analytics_pipeline.reports.generation import generate_report
from analytics_pipeline.reports.query import fetch_workspace_names

pytestmark = pytest.mark.integration

DDL = """
create schema if not exists analytics;
create table analytics.agent_performance (
    metric_date date not null, workspace_id text not null, agent_id text not null,
    agent_name text, total_runs bigint not null, success_rate numeric
);
insert into analytics.agent_performance values
    ('2026-03-02', 'w1', 'a1', 'Writer', 16, 0.8125),
    ('2026-03-02', 'w2', 'a9', 'Coder', 4, 0.5),
    ('2026-03-03', 'w1', 'a1', 'Writer', 3, null);
create table analytics.workspace_summary (
    as_of_date date not null, workspace_id text not null, workspace_name text
);
insert into analytics.workspace_summary values
    ('2026-03-01', 'w1', 'Old name'),
    ('2026-03-02', 'w1', 'Acme Logistics'),
    ('2026-03-02', 'w2', 'Northfield Medical School');
"""
SCHEDULED = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)  # yesterday: 2026-03-03


def _record(report_id: str, workspace_id: str | None, date_range: dict) -> dict:
    return {
        "id": report_id,
        "name": "Agent runs",
        "report_type": "table",
        "workspace_id": workspace_id,
        "configuration": {
            "data_source": "agent_performance",
            "columns": ["workspace_id", "agent_name", "total_runs", "success_rate"],
            "sorting": ["workspace_id", "agent_name"],
            "date_range": date_range,
        },
    }


ALL_WORKSPACES = _record("agent_runs_all", None, {"start": "2026-03-02", "end": "2026-03-02"})
ONE_EMPTY_DAY = _record("agent_runs_w2", "w2", {"relative": "yesterday"})


def _connect(role: warehouse.Role) -> connection:
    return psycopg2.connect(**warehouse.libpq_params(warehouse.warehouse_url(role)))


@pytest.fixture
def conns(empty_database: str) -> Iterator[tuple[connection, connection]]:
    """(transformer, reader): the tables are isolated per workspace like published ones."""
    transformer = _connect(warehouse.Role.TRANSFORMER)
    with transformer.cursor() as cur:
        cur.execute(DDL)
    transformer.commit()
    for table in ("analytics.agent_performance", "analytics.workspace_summary"):
        assert warehouse.isolate_workspaces(transformer, table)
    transformer.commit()
    ensure_control_schema(transformer)
    sync_definitions(transformer, [ALL_WORKSPACES, ONE_EMPTY_DAY], lambda record: None)
    reader = _connect(warehouse.Role.READER)
    try:
        yield transformer, reader
    finally:
        reader.close()
        transformer.close()


def _files(conns: tuple[connection, connection], record: dict) -> dict[str, Path]:
    transformer, reader = conns
    result = generate_report(
        transformer,
        parse_definition(record),
        SCHEDULED,
        formats=["pdf", "xlsx", "csv"],
        query_conn=reader,
    )
    assert not result.failed, [o.message for o in result.failed]
    return {o.format: o.execution.file_path for o in result.outcomes}


def _pdf_lines(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def test_names_are_read_under_row_level_security(conns) -> None:
    _, reader = conns
    assert fetch_workspace_names(reader, None) == {
        "w1": "Acme Logistics",
        "w2": "Northfield Medical School",
    }
    assert fetch_workspace_names(reader, "w2") == {"w2": "Northfield Medical School"}


def test_readers_see_labels_percentages_and_workspace_names(conns) -> None:
    files = _files(conns, ALL_WORKSPACES)

    sheet = openpyxl.load_workbook(files["xlsx"])["Data"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        ["Workspace", "Agent", "Total runs", "Success rate"],
        ["Acme Logistics", "Writer", 16, 0.8125],
        ["Northfield Medical School", "Coder", 4, 0.5],
    ]
    assert sheet["D2"].number_format == "0.0%"

    lines = _pdf_lines(files["pdf"])
    header = lines.index("Agent") - 1
    assert lines[header : header + 4] == ["Workspace", "Agent", "Total runs", "Success rate"]
    assert lines[header + 4 : header + 8] == ["Acme Logistics", "Writer", "16", "81.3%"]
    assert "success_rate" not in lines and "w1" not in lines
    generated = lines[lines.index("Generated at (UTC)") + 1]
    assert datetime.strptime(generated, "%Y-%m-%d %H:%M:%S UTC")  # to the second

    with files["csv"].open(newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["workspace_id", "agent_name", "total_runs", "success_rate"],
            ["w1", "Writer", "16", "0.8125"],
            ["w2", "Coder", "4", "0.5"],
        ]


def test_an_empty_period_says_no_data_and_names_the_workspace(conns) -> None:
    files = _files(conns, ONE_EMPTY_DAY)  # w2 has no rows on 2026-03-03
    lines = _pdf_lines(files["pdf"])
    assert "No data for 2026-03-03." in lines
    assert lines[lines.index("Workspace") + 1] == "Northfield Medical School (w2)"
    sheet = openpyxl.load_workbook(files["xlsx"])["Data"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1][0] == "No data for 2026-03-03."
    assert files["csv"].read_bytes() == b"workspace_id,agent_name,total_runs,success_rate\r\n"
