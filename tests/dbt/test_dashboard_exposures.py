"""Dashboard exposures in dbt: `dbt parse` of the generated file gives each
dashboard exactly the tables its widgets read as parents."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from analytics_pipeline.dashboards.definition import load_dashboard_files
from analytics_pipeline.dashboards.exposures import write_exposures
from analytics_pipeline.reports.sources import REPORT_SOURCES
from analytics_pipeline.settings import get_settings
from tests.dbt.test_report_exposures import _unique_id


def test_each_dashboard_exposure_depends_on_exactly_its_tables(run_dbt, project_copy: Path):
    shipped = load_dashboard_files(get_settings().dashboard_definitions_dir)
    hostile = replace(shipped[0], id="hostile-text", name="{{ 6 * 7 }}")
    write_exposures([*shipped, hostile], project_copy)
    result = run_dbt(["parse"], warehouse_env=False, name="exposures", project_dir=project_copy)
    result.check()
    exposures = {
        uid: node
        for uid, node in result.manifest["exposures"].items()
        if "dashboard" in node["tags"]
    }
    expected = {d.id.replace("-", "_"): d for d in [*shipped, hostile]}
    assert set(exposures) == {f"exposure.analytics_pipeline.dashboard_{n}" for n in expected}
    for name, definition in expected.items():
        node = exposures[f"exposure.analytics_pipeline.dashboard_{name}"]
        # A model by ref, or the dbt source of a table a Python asset builds.
        assert sorted(node["depends_on"]["nodes"]) == sorted(
            _unique_id(REPORT_SOURCES[source]) for source in definition.data_sources
        ), name
        assert node["label"] == definition.name
        assert node["type"] == "dashboard"
