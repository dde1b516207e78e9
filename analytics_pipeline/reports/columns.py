"""How a report's result columns are shown to readers (PDF and XLSX): labels,
rates and workspace names. CSV and JSON keep the raw column names and values.

Where a column's label comes from, first match wins:

1. the definition: `{column: dau, label: Active users}` in `columns`, or
   `label:` on an aggregation;
2. the dbt docs of the published table: `config: {meta: {label: ...}}` on the
   column in the model's (or the learning source's) YAML (`meta:` directly on
   the column is read too);
3. the column name made readable (`avg_runtime_seconds` -> `Avg runtime
   seconds`), `Workspace` for the source's workspace column; an aggregate
   without a label is named from its column's label (`avg` of `mastery` ->
   `Average mastery`, `count` of rows -> `Rows`).

The descriptions themselves are sentences for the dbt docs (often `doc()`
blocks), not headers, so they are not used as labels.

A column is a rate, a fraction shown as a percentage (0.25 -> 25.0%, `0.0%` in
XLSX), exactly when its dbt docs say `format: percent` in the column's meta;
names alone (`_rate`, `_ratio`) decide nothing, as not every such column is a
fraction. `avg`, `min` and `max` of a rate are rates; sums and counts are not.

The source's workspace column shows the workspace's name where the report
knows it (`reports.query.fetch_workspace_names`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from analytics_pipeline.reports.definition import ReportDefinition
from analytics_pipeline.reports.render.values import ColumnStyle
from analytics_pipeline.reports.sources import ReportSource
from analytics_pipeline.settings import get_settings

PERCENT = "percent"
_AGGREGATE_WORDS = {
    "sum": "Total",
    "avg": "Average",
    "min": "Minimum",
    "max": "Maximum",
    "count": "Count of",
    "count_distinct": "Distinct",
}
_KEEPS_RATE = frozenset({"avg", "min", "max"})


@dataclass(frozen=True)
class ColumnDoc:
    """What the dbt docs say about showing a column."""

    label: str | None = None
    percent: bool = False


def readable(name: str) -> str:
    """A column name as words: `avg_runtime_seconds` -> `Avg runtime seconds`."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _column_meta(column: Mapping[str, Any]) -> dict[str, Any]:
    meta = dict(column.get("meta") or {})
    config = column.get("config") or {}
    meta.update(config.get("meta") or {})
    return meta


def _docs_of(columns: Any) -> dict[str, ColumnDoc]:
    docs: dict[str, ColumnDoc] = {}
    for column in columns or ():
        if not isinstance(column, Mapping) or not isinstance(column.get("name"), str):
            continue
        meta = _column_meta(column)
        label = meta.get("label")
        docs[column["name"]] = ColumnDoc(
            label=label if isinstance(label, str) and label.strip() else None,
            percent=meta.get("format") == PERCENT,
        )
    return docs


@functools.cache
def _read_docs(models_dir: Path, stamp: tuple[tuple[str, float], ...]) -> dict:
    """{("model", name) | ("source", "<source>.<table>"): {column: ColumnDoc}}."""
    tables: dict[tuple[str, str], dict[str, ColumnDoc]] = {}
    for name, _ in stamp:
        document = yaml.safe_load((models_dir / name).read_text(encoding="utf-8")) or {}
        if not isinstance(document, Mapping):
            continue
        for model in document.get("models") or ():
            if isinstance(model, Mapping) and isinstance(model.get("name"), str):
                tables[("model", model["name"])] = _docs_of(model.get("columns"))
        for source in document.get("sources") or ():
            if not isinstance(source, Mapping):
                continue
            for table in source.get("tables") or ():
                if isinstance(table, Mapping) and isinstance(table.get("name"), str):
                    key = ("source", f"{source.get('name')}.{table['name']}")
                    tables[key] = _docs_of(table.get("columns"))
    return tables


def column_docs(source: ReportSource, project_dir: Path | None = None) -> dict[str, ColumnDoc]:
    """{column: ColumnDoc} of a published table from the dbt project's YAML
    (re-read when a YAML file changes); empty when it is not documented."""
    models_dir = (project_dir or get_settings().dbt_project_dir) / "models"
    files = sorted(models_dir.rglob("*.yml"))
    stamp = tuple((str(p.relative_to(models_dir)), p.stat().st_mtime) for p in files)
    docs = _read_docs(models_dir, stamp)
    if source.dbt_source is not None:
        return docs.get(("source", f"{source.dbt_source}.{source.table}"), {})
    return docs.get(("model", source.table), {})


def column_styles(
    definition: ReportDefinition,
    source: ReportSource,
    docs: Mapping[str, ColumnDoc],
    workspace_names: Mapping[str, str] | None = None,
) -> list[ColumnStyle]:
    """One style per result column of the definition, in order."""
    config = definition.configuration

    def base(column: str) -> ColumnDoc:
        doc = docs.get(column, ColumnDoc())
        default = source.tenant_label if column == source.workspace_column else readable(column)
        return ColumnDoc(doc.label or default, doc.percent)

    styles: list[ColumnStyle] = []
    plain = config.grouping if config.is_aggregated else config.columns
    for column in plain:
        doc = base(column)
        names = workspace_names if column == source.workspace_column else None
        styles.append(
            ColumnStyle(config.label(column) or doc.label, doc.percent, dict(names or {}))
        )
    for aggregation in config.aggregations:
        if aggregation.column is None:
            label, percent = "Rows", False
        else:
            doc = base(aggregation.column)
            label = f"{_AGGREGATE_WORDS[aggregation.function]} {_lower_first(doc.label)}"
            percent = doc.percent and aggregation.function in _KEEPS_RATE
        styles.append(ColumnStyle(aggregation.label or label, percent))
    return styles


def _lower_first(label: str) -> str:
    """`Mastery` -> `mastery`, but `DAU` stays."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]
