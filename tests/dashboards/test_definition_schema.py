"""The published JSON Schema of dashboard definitions: generated from the
pydantic models, and the shipped dashboards/*.yml validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from analytics_pipeline.dashboards.definition import load_dashboard_file
from analytics_pipeline.dashboards.definition_schema import SCHEMA_PATH, schema_text
from tests.reports.test_definition_schema import as_an_editor_reads

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "dashboards").glob("*.yml"))


def test_committed_schema_is_generated_from_the_models() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "docs/dashboard_definition.schema.json is stale: "
        "run python -m analytics_pipeline.dashboards.definition_schema"
    )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_dashboard_validates_against_the_schema(path: Path) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    document = as_an_editor_reads(path.read_text(encoding="utf-8"))
    errors = [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]
    assert errors == []
    load_dashboard_file(path)


def test_the_schema_rejects_what_the_models_reject() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    document = as_an_editor_reads(SHIPPED[0].read_text(encoding="utf-8"))
    document["widgets"][0]["type"] = "gauge"
    document["widgets"][1]["layout"]["column"] = 13
    document["schedule"]["formats"] = ["csv"]
    paths = sorted(error.json_path for error in validator.iter_errors(document))
    assert paths == [
        "$.schedule",  # anyOf (a schedule or null): named at the schedule
        "$.widgets[0].type",
        "$.widgets[1].layout.column",
    ]
