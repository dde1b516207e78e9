"""dbt's unit tests (the models' SQL on fixed inputs) all pass. The Dagster
runs leave them out (dbt/assets.py BUILD); here they all run, once."""

from __future__ import annotations

import json

from analytics_pipeline.ingest.schema import prepare_landing_tables


def test_every_dbt_unit_test_passes(empty_database, run_dbt):
    # Unit tests read the columns of the models' inputs: build them (no rows
    # yet; the mastery history and the published hospital tables read tables
    # Python assets make).
    prepare_landing_tables()
    excluded = ["tag:mastery_history", "tag:hospital_published"]
    run_dbt(["run", "--exclude", *excluded], name="build-without-rows").check()
    result = run_dbt(["test", "--select", "test_type:unit"], name="unit-tests").check()
    outcomes = {
        r["unique_id"]: r["status"]
        for r in result.run_results
        if r["unique_id"].startswith("unit_test.")
    }
    manifest = json.loads((result.target_path / "manifest.json").read_text())
    assert set(outcomes) == set(manifest["unit_tests"]) and len(outcomes) >= 13
    assert set(outcomes.values()) == {"pass"}, outcomes
