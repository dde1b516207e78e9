"""Report exposures in dbt and in Dagster: `dbt parse` of generated exposures
gives each one exactly its data source as parent, a definition's own text stays
text (never Jinja), and dagster-dbt makes no asset of an exposure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analytics_pipeline.reports.definition import (
    ReportDefinition,
    load_definition_files,
    parse_definition,
)
from analytics_pipeline.reports.exposures import write_exposures
from analytics_pipeline.reports.sources import REPORT_SOURCES, ReportSource
from analytics_pipeline.settings import get_settings

HOSTILE_TEXT = {
    "name": "{{ env_var('HOME') }}",
    "description": "{% if true %}x{% endif %} {# comment #} {{ 6 * 7 }}",
    "created_by": "{{ 6 * 7 }}",
    "workspace_id": "{{ 1 }}",
}


def _unique_id(source: ReportSource) -> str:
    if source.dbt_source is not None:
        return f"source.analytics_pipeline.{source.dbt_source}.{source.table}"
    return f"model.analytics_pipeline.{source.table}"


def _minimal(report_id: str, data_source: str, **fields: Any) -> ReportDefinition:
    # A hospital-wide table has no tenant column: its definitions name no workspace.
    tenant = REPORT_SOURCES[data_source].workspace_column
    return parse_definition(
        {
            "id": report_id,
            "name": report_id,
            "report_type": "table",
            "workspace_id": "ws_1" if tenant else None,
            "configuration": {"data_source": data_source, "columns": [tenant or "metric_date"]},
        }
        | fields
    )


@pytest.fixture(scope="module")
def parsed(run_dbt, project_copy: Path) -> tuple[list[ReportDefinition], dict[str, Any]]:
    """The shipped definitions, one per published source and one with hostile
    text, written as exposures into a copy of the project and parsed."""
    definitions = [
        *load_definition_files(get_settings().report_definitions_dir),
        *(_minimal(f"source_{name}", name) for name in REPORT_SOURCES),
        _minimal("hostile_text", "daily_metrics", **HOSTILE_TEXT),
    ]
    write_exposures(definitions, project_copy)
    result = run_dbt(["parse"], warehouse_env=False, name="exposures", project_dir=project_copy)
    result.check()
    assert "deprecat" not in result.output.lower(), result.output
    return definitions, result.manifest


def test_each_exposure_depends_on_exactly_its_data_source(parsed) -> None:
    definitions, manifest = parsed
    # The dashboards' exposures (tag dashboard, tests/dbt/test_dashboard_exposures.py) aside.
    exposures = {
        uid: node for uid, node in manifest["exposures"].items() if "report" in node["tags"]
    }
    assert set(exposures) == {f"exposure.analytics_pipeline.{d.id}" for d in definitions}
    for definition in definitions:
        unique_id = _unique_id(REPORT_SOURCES[definition.configuration.data_source])
        node = exposures[f"exposure.analytics_pipeline.{definition.id}"]
        assert node["depends_on"]["nodes"] == [unique_id], definition.id
        assert unique_id in manifest["nodes"] or unique_id in manifest["sources"]
        assert node["label"] == definition.name
        assert node["config"]["meta"]["report_type"] == definition.report_type


def test_definition_text_reaches_the_manifest_as_written(parsed) -> None:
    _, manifest = parsed
    node = manifest["exposures"]["exposure.analytics_pipeline.hostile_text"]
    assert node["label"] == HOSTILE_TEXT["name"]
    assert node["description"].startswith(HOSTILE_TEXT["description"] + "\n")
    assert f"workspace `{HOSTILE_TEXT['workspace_id']}`" in node["description"]
    assert node["owner"]["name"] == HOSTILE_TEXT["created_by"]
    assert node["config"]["meta"]["workspace_id"] == HOSTILE_TEXT["workspace_id"]


def test_dagster_dbt_makes_no_asset_of_an_exposure() -> None:
    from dagster_dbt.asset_utils import DAGSTER_DBT_UNIQUE_ID_METADATA_KEY

    from analytics_pipeline.dbt.assets import DBT_ASSETS, MANIFEST

    manifest = json.loads(MANIFEST.read_text())
    assert manifest["exposures"], "the manifest Dagster loads has the committed report exposures"
    unique_ids = {
        spec.metadata[DAGSTER_DBT_UNIQUE_ID_METADATA_KEY]
        for assets in DBT_ASSETS
        for spec in assets.specs
    }
    buildable = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "snapshot", "seed")
        and node["config"].get("materialized") != "ephemeral"
    }
    assert unique_ids == buildable
