"""The asset that builds a warehouse table.

Asset keys are `<group>/<table>` (`aggregates/daily_metrics`,
`learning/topic_mastery`), not schema and table: aggregates, marts and the
Python-built published tables all live in schema `analytics`. Code that knows
a table by schema and name (a report source, a learning input) asks here.
"""

from __future__ import annotations

import json
from functools import cache

import dagster as dg

from analytics_pipeline.dbt.project import ensure_manifest
from analytics_pipeline.dbt.translator import AnalyticsDbtTranslator


@cache
def _keys_by_table() -> dict[tuple[str, str], dg.AssetKey]:
    """(schema, table) -> asset key of every dbt model and snapshot, and of each
    dbt source table another asset builds (its `meta.dagster.asset_key`)."""
    manifest = json.loads(ensure_manifest().read_text())
    translator = AnalyticsDbtTranslator()
    keys = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "snapshot", "seed"):
            keys[(node["schema"], node["name"])] = translator.get_asset_key(node)
    for source in manifest["sources"].values():
        if source.get("meta", {}).get("dagster", {}).get("asset_key"):
            keys[(source["schema"], source["name"])] = translator.get_asset_key(source)
    return keys


def table_asset_key(schema: str, table: str) -> dg.AssetKey:
    """The key of the asset that builds schema.table (KeyError when none does)."""
    try:
        return _keys_by_table()[(schema, table)]
    except KeyError:
        raise KeyError(f"no asset builds {schema}.{table}") from None
