"""The committed dbt sources YAML is the contract, rendered."""

from __future__ import annotations

import yaml

from analytics_pipeline.dbt.sources_yaml import render_sources_yaml, sources_yaml_path
from analytics_pipeline.ingest.contract import SOURCES
from analytics_pipeline.ingest.schema import landing_columns
from analytics_pipeline.settings import REPO_DIR


def test_committed_sources_yaml_equals_rendering() -> None:
    committed = sources_yaml_path(REPO_DIR / "dbt_project").read_text(encoding="utf-8")
    assert committed == render_sources_yaml(), (
        "dbt_project/models/staging/_raw__sources.yml is out of date with the contract; "
        "run: python -m analytics_pipeline.dbt.sources_yaml"
    )


def test_rendering_covers_every_table_and_column() -> None:
    (source,) = yaml.safe_load(render_sources_yaml())["sources"]
    assert source["name"] == "raw"
    assert source["schema"] == "raw"
    assert source["config"]["loaded_at_field"] == "_ingested_at"
    assert source["config"]["freshness"] == {
        "warn_after": {"count": 24, "period": "hour"},
        "error_after": {"count": 72, "period": "hour"},
    }
    tables = {table["name"]: table for table in source["tables"]}
    assert list(tables) == list(SOURCES)
    for name, contract in SOURCES.items():
        table = tables[name]
        assert table["description"]
        assert table["config"]["meta"]["dagster"]["asset_key"] == ["raw", name]
        rendered = [(column["name"], column["data_type"]) for column in table["columns"]]
        assert rendered == landing_columns(contract)
        assert all(column["description"] for column in table["columns"])
        for column in table["columns"]:
            if column["name"] in contract.key:
                assert column["data_tests"] == ["not_null"]
