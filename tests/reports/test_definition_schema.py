"""The published JSON Schema of report definitions: it is what the pydantic
models generate, the shipped reports/*.yml validate against it, and what it
cannot say stays with the models' own checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from analytics_pipeline.reports.definition import (
    DefinitionError,
    load_definition_file,
    parse_definition,
)
from analytics_pipeline.reports.definition_schema import SCHEMA_PATH, schema_text

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "reports").glob("*.yml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def as_an_editor_reads(text: str) -> Any:
    # JSON values as YAML 1.2 editors see them: unquoted dates are text.
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def test_committed_schema_is_generated_from_the_models() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "docs/report_definition.schema.json is stale: "
        "run python -m analytics_pipeline.reports.definition_schema"
    )


def test_shipped_definitions_exist() -> None:
    assert len(SHIPPED) >= 5


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_definition_validates_against_the_schema(
    path: Path, validator: jsonschema.protocols.Validator
) -> None:
    document = as_an_editor_reads(path.read_text(encoding="utf-8"))
    errors = [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]
    assert errors == []
    load_definition_file(path)  # and the project's loader agrees


MINIMAL = {
    "id": "kpi",
    "name": "KPI",
    "report_type": "table",
    "workspace_id": None,
    "configuration": {"data_source": "daily_metrics", "columns": ["metric_date", "dau"]},
}


@pytest.mark.parametrize(
    "document",
    [
        MINIMAL | {"owner": "me"},
        {key: value for key, value in MINIMAL.items() if key != "workspace_id"},
        MINIMAL | {"report_type": "graph"},
        MINIMAL | {"configuration": MINIMAL["configuration"] | {"data_source": "pg_user"}},
        MINIMAL | {"configuration": MINIMAL["configuration"] | {"columns": ["Dau"]}},
        MINIMAL | {"configuration": MINIMAL["configuration"] | {"limit": 0}},
        MINIMAL | {"schedule": {"frequency": "daily", "time": "24:00", "timezone": "UTC"}},
        MINIMAL | {"schedule": {"cron": "0 9 * * *", "timezone": "UTC", "formats": ["docx"]}},
        MINIMAL | {"schedule": {"frequency": "interval", "interval_minutes": 0, "timezone": "UTC"}},
        MINIMAL | {"schedule": {"frequency": "manual", "timezone": "UTC", "every": 5}},
        MINIMAL
        | {
            "configuration": MINIMAL["configuration"]
            | {"date_range": {"relative": "today", "start": "2026-01-01"}}
        },
    ],
    ids=lambda document: json.dumps(document)[-60:],
)
def test_schema_and_models_reject_the_same_structural_mistakes(
    document: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    assert not validator.is_valid(document)
    with pytest.raises(DefinitionError):
        parse_definition(document)


def test_schema_accepts_the_shorthands() -> None:
    document = MINIMAL | {
        "configuration": MINIMAL["configuration"]
        | {
            "columns": ["metric_date", {"column": "dau", "label": "Daily active users"}],
            "sorting": ["metric_date", {"column": "dau", "direction": "desc"}],
            "date_range": "last_7_days",
        },
        "schedule": {"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
    }
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    parse_definition(document)


@pytest.mark.parametrize(
    "schedule",
    [
        {
            "frequency": "interval",
            "interval_minutes": 15,
            "anchor": "2026-01-05T08:00:00+01:00",
            "timezone": "Europe/Berlin",
        },
        {"frequency": "manual", "timezone": "UTC", "formats": ["pdf"]},
    ],
    ids=lambda schedule: schedule["frequency"],
)
def test_schema_accepts_interval_and_manual_schedules(
    schedule: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    document = MINIMAL | {"schedule": schedule}
    assert [error.message for error in validator.iter_errors(document)] == []
    assert parse_definition(document).schedule.frequency == schedule["frequency"]


def test_interval_fields_outside_interval_schedules_are_the_models_alone() -> None:
    document = MINIMAL | {
        "schedule": {"frequency": "manual", "interval_minutes": 5, "timezone": "UTC"}
    }
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    with pytest.raises(DefinitionError) as caught:
        parse_definition(document)
    assert caught.value.problems == (("schedule.interval_minutes", "only for interval schedules"),)


def test_cross_field_rules_are_the_models_alone() -> None:
    # Valid for the schema, which cannot compare fields; the models name the field.
    document = MINIMAL | {
        "configuration": MINIMAL["configuration"]
        | {"chart_type": "line", "chart_y": ["events"], "sorting": ["events"]}
    }
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    with pytest.raises(DefinitionError) as caught:
        parse_definition(document)
    assert caught.value.fields == ("configuration.sorting[0].column", "configuration.chart_y[0]")


def test_problems_of_different_parts_are_reported_together() -> None:
    document = MINIMAL | {
        "owner": "me",
        "configuration": MINIMAL["configuration"] | {"columns": ["dau", "dau"]},
        "schedule": {"frequency": "weekly", "time": "08:00", "timezone": "UTC"},
    }
    with pytest.raises(DefinitionError) as caught:
        parse_definition(document)
    assert dict(caught.value.problems) == {
        "owner": "unknown field (expected id, name, description, report_type, configuration, "
        "schedule, workspace_id, created_by, is_active)",
        "configuration.columns[1]": "duplicate 'dau'",
        "schedule.day_of_week": "required for weekly schedules",
    }


def test_relative_date_range_takes_no_start_or_end() -> None:
    document = MINIMAL | {
        "configuration": MINIMAL["configuration"]
        | {"date_range": {"relative": "today", "end": "2026-01-31"}}
    }
    with pytest.raises(DefinitionError) as caught:
        parse_definition(document)
    assert caught.value.problems == (
        ("configuration.date_range.end", "not allowed together with relative"),
    )
