"""dbt exposures generated from report definitions (without dbt; the dbt parse of
the generated file is in tests/dbt/test_report_exposures.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from analytics_pipeline.reports.definition import load_definition_files, parse_definition
from analytics_pipeline.reports.exposures import (
    DEFAULT_OWNER,
    EXPOSURES_FILE,
    dbt_dependency,
    exposure,
    exposures_path,
    exposures_yaml,
    write_exposures,
)
from analytics_pipeline.reports.sources import REPORT_SOURCES
from analytics_pipeline.settings import get_settings


def _definition(**changes: Any):
    record: dict[str, Any] = {
        "id": "gaps_weekly",
        "name": "Gaps weekly",
        "description": "Open gaps per learner.",
        "report_type": "table",
        "workspace_id": "ws_1",
        "created_by": "tutors@example.com",
        "configuration": {
            "data_source": "knowledge_gaps",
            "columns": ["user_id", "severity"],
            "date_range": "yesterday",
        },
        "schedule": {
            "frequency": "weekly",
            "day_of_week": "monday",
            "time": "07:00",
            "timezone": "Europe/Berlin",
            "recipients": ["a@example.com", "b@example.com"],
            "formats": ["csv", "xlsx"],
        },
    }
    return parse_definition(record | changes)


def test_committed_exposures_file_is_generated_from_the_shipped_definitions() -> None:
    settings = get_settings()
    shipped = load_definition_files(settings.report_definitions_dir)
    committed = exposures_path(settings.dbt_project_dir).read_text(encoding="utf-8")
    assert committed == exposures_yaml(shipped), (
        f"{EXPOSURES_FILE} is stale: run `python -m analytics_pipeline.reports.exposures`"
    )
    names = [e["name"] for e in yaml.safe_load(committed)["exposures"]]
    assert names == sorted(d.id for d in shipped)


def test_exposure_fields() -> None:
    item = exposure(_definition())
    assert item["name"] == "gaps_weekly"
    assert item["label"] == "Gaps weekly"
    assert item["type"] == "analysis"
    assert item["maturity"] == "high"
    assert item["owner"] == {"email": "tutors@example.com"}
    assert item["depends_on"] == ["source('learning', 'knowledge_gaps')"]
    assert item["config"]["tags"] == ["report"]
    assert item["config"]["meta"] == {
        "report_type": "table",
        "data_source": "knowledge_gaps",
        "workspace_id": "ws_1",
        "formats": ["csv", "xlsx"],
        "schedule": "weekly on Monday at 07:00 (Europe/Berlin)",
        "date_range": "yesterday",
        "chart_type": None,
        "is_active": True,
    }
    assert item["description"] == (
        "Open gaps per learner.\n\n"
        "- Report `gaps_weekly` (table) on `knowledge_gaps`, workspace `ws_1`\n"
        "- Schedule: weekly on Monday at 07:00 (Europe/Berlin)\n"
        "- Formats: csv, xlsx; 2 recipients\n"
        "- Date range: yesterday"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"report_type": "export"}, {"type": "application"}),
        ({"created_by": None}, {"owner": {"name": DEFAULT_OWNER}}),
        ({"created_by": "Curriculum team"}, {"owner": {"name": "Curriculum team"}}),
        ({"schedule": None}, {"maturity": "medium"}),
        ({"schedule": {"frequency": "manual", "timezone": "UTC"}}, {"maturity": "medium"}),
        (
            {"schedule": {"frequency": "interval", "interval_minutes": 30, "timezone": "UTC"}},
            {
                "maturity": "high",
                "config": {
                    "tags": ["report"],
                    "meta": {
                        "report_type": "table",
                        "data_source": "knowledge_gaps",
                        "workspace_id": "ws_1",
                        "formats": ["csv"],
                        "schedule": "every 30 minutes",
                        "date_range": "yesterday",
                        "chart_type": None,
                        "is_active": True,
                    },
                },
            },
        ),
        ({"is_active": False}, {"maturity": "low"}),
    ],
)
def test_type_owner_and_maturity(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    item = exposure(_definition(**changes))
    assert {key: item[key] for key in expected} == expected


def test_manual_inactive_all_workspaces_report_description() -> None:
    definition = _definition(
        schedule=None,
        is_active=False,
        workspace_id=None,
        description="",
        configuration={"data_source": "daily_metrics", "columns": ["metric_date"]},
    )
    assert exposure(definition)["description"] == (
        "Gaps weekly\n\n"
        "- Report `gaps_weekly` (table) on `daily_metrics`, all workspaces\n"
        "- Runs by hand only\n"
        "- Inactive: not run"
    )


def test_every_published_source_has_a_dbt_dependency() -> None:
    assert dbt_dependency(REPORT_SOURCES["daily_metrics"]) == "ref('daily_metrics')"
    assert dbt_dependency(REPORT_SOURCES["exam_readiness"]) == (
        "source('learning', 'exam_readiness')"
    )


def test_definition_text_cannot_become_jinja() -> None:
    # dbt renders YAML values with Jinja: a definition's text must come back as written.
    item = exposure(_definition(name="{{ env_var('SECRET') }}", created_by="{% set x = 1 %}"))
    assert item["label"] == "{{ '{' }}{{ '{' }} env_var('SECRET') }}"
    assert item["owner"] == {"name": "{{ '{' }}% set x = 1 %}"}


def test_yaml_round_trips_sorted_by_id() -> None:
    definitions = [_definition(id="b_report"), _definition(id="a_report")]
    document = yaml.safe_load(exposures_yaml(definitions))
    assert document["version"] == 2
    assert [e["name"] for e in document["exposures"]] == ["a_report", "b_report"]
    assert document["exposures"][0] == exposure(definitions[1])


def test_write_rewrites_only_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / EXPOSURES_FILE
    assert write_exposures([_definition()], tmp_path) is True
    assert path.read_text(encoding="utf-8") == exposures_yaml([_definition()])
    written = path.stat().st_mtime_ns
    assert write_exposures([_definition()], tmp_path) is False
    assert path.stat().st_mtime_ns == written
    assert write_exposures([], tmp_path) is True
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["exposures"] == []
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
