"""The dbt `sources:` YAML of the raw landing tables, rendered from the contract.

`render_sources_yaml()` turns `analytics_pipeline.ingest.contract.SOURCES` into
the source `raw` of the dbt project; `python -m analytics_pipeline.dbt.sources_yaml`
writes it to `dbt_project/models/staging/_raw__sources.yml`. The rendered file is
committed and a test compares it with a fresh rendering, so the contract and
dbt cannot drift apart.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from analytics_pipeline.ingest.contract import LINEAGE_COLUMNS, SOURCES, Column, Source
from analytics_pipeline.ingest.schema import RAW_SCHEMA
from analytics_pipeline.settings import get_settings

SOURCE_NAME = "raw"
RELATIVE_PATH = Path("models") / "staging" / "_raw__sources.yml"
FRESHNESS_WARN_HOURS = 24
FRESHNESS_ERROR_HOURS = 72

_HEADER = """\
# Generated from analytics_pipeline/ingest/contract.py - do not edit.
# Regenerate with: python -m analytics_pipeline.dbt.sources_yaml
"""


def sources_yaml_path(project_dir: Path | None = None) -> Path:
    """Where the rendered file lives in the dbt project."""
    return (project_dir or get_settings().dbt_project_dir) / RELATIVE_PATH


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _column_description(column: Column) -> str:
    parts = [column.description.rstrip(".") + "."]
    if column.required:
        parts.append("Required.")
    if column.enum:
        parts.append("One of: " + ", ".join(column.enum) + ".")
    if column.minimum is not None and column.maximum is not None:
        parts.append(f"Range {_number(column.minimum)}..{_number(column.maximum)}.")
    elif column.minimum is not None:
        parts.append(f"Range >= {_number(column.minimum)}.")
    elif column.maximum is not None:
        parts.append(f"Range <= {_number(column.maximum)}.")
    return " ".join(parts)


def _table_description(source: Source) -> str:
    key = ", ".join(source.key)
    if source.mutable:
        rule = (
            f"Staging keeps the newest {source.version_column} per key "
            "(ties: latest _ingested_at, then highest _source_line)."
        )
    else:
        rule = (
            "Duplicate keys land as they come; staging keeps one row per key "
            "(latest _ingested_at, then highest _source_line)."
        )
    return f"{source.description} Key: {key}. {rule}"


def _column(column: Column, key: tuple[str, ...]) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "name": column.name,
        "description": _column_description(column),
        "data_type": column.sql_type,
    }
    if column.name in key and column.required:
        rendered["data_tests"] = ["not_null"]
    return rendered


def _table(source: Source) -> dict[str, Any]:
    columns = [_column(column, source.key) for column in source.columns]
    columns += [
        {"name": name, "description": description, "data_type": sql_type}
        for name, sql_type, description in LINEAGE_COLUMNS
    ]
    return {
        "name": source.name,
        "description": _table_description(source),
        "config": {"meta": {"dagster": {"asset_key": [SOURCE_NAME, source.name]}}},
        "columns": columns,
    }


def render_sources() -> dict[str, Any]:
    """The sources document as data (what `render_sources_yaml` dumps)."""
    return {
        "version": 2,
        "sources": [
            {
                "name": SOURCE_NAME,
                "description": (
                    "Landing tables of the raw source contract (docs/contract.md), loaded by "
                    "`analytics-pipeline ingest`: one append-only table per source, typed, with "
                    "the lineage columns _ingested_at, _source_file, _source_line and _batch_id."
                ),
                "schema": RAW_SCHEMA,
                "loader": "analytics_pipeline.ingest",
                "config": {
                    "loaded_at_field": "_ingested_at",
                    "freshness": {
                        "warn_after": {"count": FRESHNESS_WARN_HOURS, "period": "hour"},
                        "error_after": {"count": FRESHNESS_ERROR_HOURS, "period": "hour"},
                    },
                },
                "tables": [_table(source) for source in SOURCES.values()],
            }
        ],
    }


class _IndentedDumper(yaml.SafeDumper):
    """Indents list items under their key, as dbt's own examples do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def render_sources_yaml() -> str:
    """The dbt sources YAML of schema `raw`, exactly as committed."""
    body = yaml.dump(
        render_sources(),
        Dumper=_IndentedDumper,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        allow_unicode=True,
    )
    return _HEADER + "\n" + body


def write_sources_yaml(project_dir: Path | None = None) -> Path:
    path = sources_yaml_path(project_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_sources_yaml(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="dbt project directory (default: ANALYTICS_DBT_PROJECT_DIR or dbt_project/)",
    )
    args = parser.parse_args(argv)
    print(write_sources_yaml(args.project_dir))


if __name__ == "__main__":
    main()
