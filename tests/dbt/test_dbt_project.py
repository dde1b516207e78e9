"""`dbt parse` of the project: clean, documented, staging identical to the contract."""

from __future__ import annotations

from typing import Any

import pytest

from analytics_pipeline.ingest.contract import SOURCES
from tests.dbt.staged import STAGED, staged_columns, staged_extra

LINEAGE_KEPT = ("_ingested_at", "_batch_id")
EXTRA_COLUMNS = {
    "users": ("is_deleted",),
    "hr_users": ("is_deleted",),
    "user_activity": ("feature", "duration_ms", "success", "error_type", "report_id"),
}


@pytest.fixture(scope="module")
def parsed(run_dbt) -> tuple[str, dict[str, Any]]:
    # No warehouse: the profile's defaults must be enough to parse.
    result = run_dbt(["parse"], warehouse_env=False, name="parse").check()
    return result.output, result.manifest


@pytest.fixture(scope="module")
def manifest(parsed) -> dict[str, Any]:
    return parsed[1]


def _nodes(manifest: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == resource_type]


def _model(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    return manifest["nodes"][f"model.analytics_pipeline.{name}"]


def _column_tests(manifest: dict[str, Any], model: str) -> dict[tuple[str, str], dict]:
    """(column, test name) -> the test's kwargs, for the data tests of `model`."""
    tests = {}
    for node in _nodes(manifest, "test"):
        meta = node.get("test_metadata") or {}
        if node.get("attached_node") == f"model.analytics_pipeline.{model}":
            tests[(node.get("column_name"), meta.get("name"))] = meta.get("kwargs", {})
    return tests


def test_parse_has_no_deprecation_warnings(parsed) -> None:
    output, _ = parsed
    assert "deprecat" not in output.lower(), output


def test_every_model_and_column_is_described(manifest) -> None:
    models = _nodes(manifest, "model")
    assert models
    missing = [
        f"{node['name']}.{column}" if column else node["name"]
        for node in models
        for column in [None, *node["columns"]]
        if not (node["columns"][column]["description"] if column else node["description"]).strip()
    ]
    assert not missing, f"without description: {missing}"


# Event sources are batch-incremental (macros/incremental_batches.sql).
BATCH_INCREMENTAL = {
    "user_activity",
    "agent_runs",
    "study_events",
    "question_attempts",
    "material_interactions",
    # The HR pack's event sources (models/hr/staging).
    "hr_report_generations",
    "hr_report_access_logs",
    "hr_chat_sessions",
    "hr_notification_deliveries",
    "hr_dashboard_interactions",
    "hr_activity_logs",
    "hr_survey_responses",
}


def test_staging_models_land_in_schema_staging(manifest) -> None:
    for name in STAGED:
        node = _model(manifest, f"stg_{name}")
        assert node["schema"] == "staging"
        expected = "incremental" if name in BATCH_INCREMENTAL else "table"
        assert node["config"]["materialized"] == expected, name
        assert node["config"]["persist_docs"] == {"relation": True, "columns": True}
        if STAGED[name].pack == "hospital":
            # Also the raw patients (age band, sex, cascade) and the staged
            # hard deletes (and the payments their invoices).
            assert node["depends_on"]["nodes"][0] == f"source.analytics_pipeline.raw.{name}"
            continue
        assert node["depends_on"]["nodes"] == [f"source.analytics_pipeline.raw.{name}"]


def test_staging_columns_follow_the_contract(manifest) -> None:
    for name, source in STAGED.items():
        node = _model(manifest, f"stg_{name}")
        columns = list(node["columns"])
        kept = staged_columns(name)
        expected = [*kept, *EXTRA_COLUMNS.get(name, ()), *staged_extra(name), *LINEAGE_KEPT]
        assert sorted(columns) == sorted(expected), name
        for column in source.columns:
            if column.name in kept:
                assert node["columns"][column.name]["data_type"] == column.sql_type


def test_staging_tests_follow_the_contract(manifest) -> None:
    for name, source in STAGED.items():
        tests = _column_tests(manifest, f"stg_{name}")
        kept = staged_columns(name)
        if name == "hospital_patients":  # the id never leaves raw: its pseudonym is the key
            assert ("patient_key", "unique") in tests and ("patient_key", "not_null") in tests
        elif len(source.key) == 1:
            (key,) = source.key
            assert (key, "unique") in tests and (key, "not_null") in tests, name
        else:
            assert tests[(None, "unique_combination")]["columns"] == list(source.key)
        for column in source.columns:
            if column.name not in kept:
                continue
            if column.enum:
                values = tests[(column.name, "accepted_values")]["values"]
                assert values == list(column.enum), f"{name}.{column.name}"
            else:
                assert (column.name, "accepted_values") not in tests
            if column.minimum is not None or column.maximum is not None:
                bounds = tests[(column.name, "value_between")]
                assert bounds.get("min_value") == column.minimum, f"{name}.{column.name}"
                assert bounds.get("max_value") == column.maximum, f"{name}.{column.name}"


def test_relationships_only_warn(manifest) -> None:
    relationships = [
        node
        for node in _nodes(manifest, "test")
        if (node.get("test_metadata") or {}).get("name") == "relationships"
    ]
    assert len(relationships) >= 15
    assert {node["config"]["severity"].lower() for node in relationships} == {"warn"}


def test_unit_tests_cover_dedupe_and_ip_anonymization(manifest) -> None:
    unit_tests = {node["name"]: node for node in manifest["unit_tests"].values()}
    assert {
        "stg_users_keeps_newest_version",
        "stg_agent_runs_keeps_finished_version",
        "stg_question_attempts_dedupes_and_defaults_hint",
        "stg_user_activity_anonymizes_ips_and_dedupes",
    } <= set(unit_tests)


def test_sources_join_the_dagster_graph(manifest) -> None:
    sources = {
        node["name"]: node for node in manifest["sources"].values() if node["source_name"] == "raw"
    }
    assert set(sources) == set(SOURCES)
    learning = {
        node["name"]: node["meta"]["dagster"]["asset_key"]
        for node in manifest["sources"].values()
        if node["source_name"] == "learning"
    }
    assert learning == {
        name: ["learning", name]
        for name in ("topic_mastery", "knowledge_gaps", "exam_readiness", "subject_percentiles")
    }
    for name, node in sources.items():
        assert node["schema"] == "raw"
        assert node["meta"]["dagster"]["asset_key"] == ["raw", name]
        assert node["loaded_at_field"] == "_ingested_at"
        assert node["freshness"]["warn_after"] == {"count": 24, "period": "hour"}
        assert node["freshness"]["error_after"] == {"count": 72, "period": "hour"}


def test_the_docs_site_opens_on_the_projects_overview(manifest) -> None:
    """The project's `__overview__` doc block replaces dbt's generic welcome page."""
    overviews = {key: doc for key, doc in manifest["docs"].items() if doc["name"] == "__overview__"}
    ours = overviews["doc.analytics_pipeline.__overview__"]
    assert ours["package_name"] == "analytics_pipeline"
    assert ours["original_file_path"] == "models/overview.md"
    text = ours["block_contents"]
    for heading in (
        "## Layers",
        "## Where to start",
        "## Reading the lineage",
        "## Tenants and roles",
    ):
        assert heading in text
    for words in ("topic_mastery_history", "app.workspace_id", "analytics_reader"):
        assert words in text
    assert "Welcome!" not in text
