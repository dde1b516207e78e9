"""`analytics-pipeline docs` builds the dbt docs site from the live warehouse,
with the report definitions as exposures."""

from __future__ import annotations

import json

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main as cli_main
from analytics_pipeline.commands.docs import docs_dir
from analytics_pipeline.ingest.schema import ensure_raw_schema
from analytics_pipeline.reports.catalog import documented_definitions
from analytics_pipeline.reports.control import (
    DEFINITIONS_TABLE,
    ensure_control_schema,
    sync_definitions,
)
from analytics_pipeline.reports.definition import load_definition_files, parse_definition
from analytics_pipeline.reports.exposures import EXPOSURES_FILE
from analytics_pipeline.settings import REPO_DIR, get_settings

TABLE_ONLY = {
    "id": "table_only_report",
    "name": "Added in the table",
    "report_type": "export",
    "workspace_id": "ws_1",
    "configuration": {"data_source": "exam_readiness", "columns": ["user_id"]},
}


def _shipped_ids() -> list[str]:
    return [d.id for d in load_definition_files(get_settings().report_definitions_dir)]


def _insert_directly(**record) -> None:
    """A row as someone adds it in the table (no validation on the way in)."""
    columns = ", ".join(record)
    placeholders = ", ".join(["%s"] * len(record))
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            f"insert into {DEFINITIONS_TABLE} ({columns}) values ({placeholders})",
            [json.dumps(v) if isinstance(v, dict) else v for v in record.values()],
        )


def test_docs_command_builds_site_with_catalog_and_report_exposures(
    empty_database, project_copy, monkeypatch, capsys
):
    monkeypatch.setenv("ANALYTICS_DBT_PROJECT_DIR", str(project_copy))
    committed = (REPO_DIR / "dbt_project" / EXPOSURES_FILE).read_text()
    with warehouse.connect(warehouse.Role.ADMIN) as conn:
        ensure_raw_schema(conn)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        ensure_control_schema(conn)
        sync_definitions(conn, [TABLE_ONLY], parse_definition)
    assert cli_main(["docs"]) == 0
    index = docs_dir() / "index.html"
    assert str(index) in capsys.readouterr().out
    assert index.stat().st_size > 100_000
    catalog = json.loads((docs_dir() / "catalog.json").read_text())
    assert "source.analytics_pipeline.raw.user_activity" in catalog["sources"]
    manifest = json.loads((docs_dir() / "manifest.json").read_text())
    stg = manifest["nodes"]["model.analytics_pipeline.stg_user_activity"]
    assert stg["description"] and stg["columns"]["event_id"]["description"]
    exposures = manifest["exposures"]
    reports = {name for name in exposures if not name.split(".")[-1].startswith("dashboard_")}
    assert reports == {
        f"exposure.analytics_pipeline.{report_id}"
        for report_id in [*_shipped_ids(), TABLE_ONLY["id"]]
    }
    shipped_dashboards = {p.stem for p in (REPO_DIR / "dashboards").glob("*.yml")}
    assert set(exposures) - reports == {
        f"exposure.analytics_pipeline.dashboard_{dashboard_id}"
        for dashboard_id in shipped_dashboards
    }
    assert exposures["exposure.analytics_pipeline.table_only_report"]["depends_on"]["nodes"] == [
        "source.analytics_pipeline.learning.exam_readiness"
    ]
    # The copy's exposures file was regenerated; the repository's was not touched.
    assert "table_only_report" in (project_copy / EXPOSURES_FILE).read_text()
    assert (REPO_DIR / "dbt_project" / EXPOSURES_FILE).read_text() == committed


@pytest.mark.usefixtures("empty_database")
def test_docs_read_the_table_and_the_files_not_synced_yet(caplog):
    shipped = _shipped_ids()
    assert [d.id for d in documented_definitions()] == shipped  # no table: the files
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        ensure_control_schema(conn)
    assert [d.id for d in documented_definitions()] == shipped  # empty table: still the files
    edited = {**TABLE_ONLY, "id": shipped[0], "name": "Edited in the table", "is_active": False}
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        sync_definitions(conn, [TABLE_ONLY, edited], parse_definition)
    _insert_directly(id="broken", name="Broken", report_type="table", configuration={})
    definitions = {d.id: d for d in documented_definitions()}
    assert sorted(definitions) == sorted([*shipped, TABLE_ONLY["id"]])
    assert definitions[shipped[0]].name == "Edited in the table"  # the table's row wins
    assert not definitions[shipped[0]].is_active
    assert "'broken' left out of the docs" in caplog.text
