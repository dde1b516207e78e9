"""dbt exposures generated from dashboard definitions (without dbt; the dbt
parse of the generated file is in tests/dbt/test_dashboard_exposures.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from analytics_pipeline.dashboards.definition import load_dashboard_files
from analytics_pipeline.dashboards.exposures import (
    EXPOSURES_FILE,
    exposure,
    exposure_name,
    exposures_path,
    exposures_yaml,
    write_exposures,
)
from analytics_pipeline.settings import get_settings
from tests.dashboards.test_generation import EXAMPLE


def test_committed_exposures_file_is_generated_from_the_shipped_dashboards() -> None:
    settings = get_settings()
    shipped = load_dashboard_files(settings.dashboard_definitions_dir)
    committed = exposures_path(settings.dbt_project_dir).read_text(encoding="utf-8")
    assert committed == exposures_yaml(shipped), (
        f"{EXPOSURES_FILE} is stale: run `python -m analytics_pipeline.dashboards.exposures`"
    )
    names = [e["name"] for e in yaml.safe_load(committed)["exposures"]]
    assert names == [f"dashboard_{d.id}" for d in sorted(shipped, key=lambda d: d.id)]


def test_exposure_of_the_example_depends_on_exactly_its_widgets_tables() -> None:
    item = exposure(EXAMPLE)
    assert item["name"] == "dashboard_agent_platform_overview"
    assert item["label"] == "Agent platform overview"
    assert (item["type"], item["maturity"]) == ("dashboard", "high")
    assert item["owner"] == {"name": "analytics-pipeline"}
    assert item["depends_on"] == [
        "ref('agent_performance')",
        "ref('analytics_metrics')",
        "ref('daily_metrics')",
        "ref('top_agents')",
    ]
    assert item["config"] == {
        "tags": ["dashboard"],
        "meta": {
            "dashboard_id": "agent_platform_overview",
            "role": "OWNER",
            "workspace_id": None,
            "widgets": 7,
            "data_sources": [
                "agent_performance",
                "analytics_metrics",
                "daily_metrics",
                "top_agents",
            ],
            "formats": ["html", "pdf"],
            "schedule": "daily at 07:00 (UTC)",
            "date_range": "last_30_days",
            "is_active": True,
        },
    }
    assert item["description"].splitlines()[2:] == [
        "- Dashboard `agent_platform_overview` for OWNER, all workspaces",
        "- 7 widgets on `agent_performance`, `analytics_metrics`, `daily_metrics`, `top_agents`",
        "- Date range: last_30_days",
        "- Schedule: daily at 07:00 (UTC)",
        "- Formats: html, pdf; 0 recipients",
    ]


def test_names_are_dbt_identifiers_and_text_stays_text() -> None:
    assert exposure_name("ops-daily") == "dashboard_ops_daily"
    hostile = replace(
        EXAMPLE,
        id="ops-daily",
        name="{{ 6 * 7 }}",
        created_by="a@example.com",
        is_active=False,
        schedule=None,
    )
    item = exposure(hostile)
    assert item["label"] == "{{ '{' }}{{ '{' }} 6 * 7 }}"
    assert item["owner"] == {"email": "a@example.com"}
    assert item["maturity"] == "low"
    assert item["description"].splitlines()[-2:] == [
        "- Rendered by hand only",
        "- Inactive: not rendered",
    ]


def test_write_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    assert write_exposures([EXAMPLE], tmp_path)
    path = tmp_path / EXPOSURES_FILE
    written = path.stat().st_mtime_ns
    assert not write_exposures([EXAMPLE], tmp_path)
    assert path.stat().st_mtime_ns == written
    assert path.read_text(encoding="utf-8") == exposures_yaml([EXAMPLE])
