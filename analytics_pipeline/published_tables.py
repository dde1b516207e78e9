"""What an asset that publishes a table from Python shows in Dagster, like the
dbt models do: the column schema with the descriptions of the dbt sources that
document the table (one source of the words), the published tables' freshness
policy, and checks of its rows in the warehouse after each materialization."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import json
from collections.abc import Sequence
from functools import cache

import dagster as dg

from analytics_pipeline import warehouse
from analytics_pipeline.dbt.project import ensure_manifest
from analytics_pipeline.dbt.translator import PUBLISHED_FRESHNESS
from analytics_pipeline.warehouse.checks import TableCheck, violations
from analytics_pipeline.warehouse.columns import Column

__all__ = ["PUBLISHED_FRESHNESS", "column_schema", "documented_columns", "warehouse_checks"]


@cache
def documented_columns() -> dict[tuple[str, str], dict[str, str]]:
    """(schema, table) of each dbt source table -> its columns' descriptions, as
    dbt renders them (doc blocks resolved)."""
    manifest = json.loads(ensure_manifest().read_text())
    return {
        (source["schema"], source["name"]): {
            name: column.get("description", "") for name, column in source["columns"].items()
        }
        for source in manifest["sources"].values()
    }


def column_schema(schema: str, table: str, columns: Sequence[Column]) -> dg.TableSchema:
    """The table's columns (from its definition) described in the dbt docs' words."""
    descriptions = documented_columns().get((schema, table), {})
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=column.type,
                description=descriptions.get(column.name),
                constraints=dg.TableColumnConstraints(nullable=column.nullable),
            )
            for column in columns
        ]
    )


def warehouse_checks(key: dg.AssetKey, checks: Sequence[TableCheck]) -> dg.AssetChecksDefinition:
    """Asset checks of `key` that query its table in the warehouse; each fails
    when any row breaks it and reports how many do."""
    by_name = {check.name: check for check in checks}

    @dg.multi_asset_check(
        specs=[dg.AssetCheckSpec(c.name, asset=key, description=c.description) for c in checks],
        name=f"{'__'.join(key.path)}__checks",
        can_subset=True,
    )
    def table_checks(context: dg.AssetCheckExecutionContext):
        with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
            for check_key in sorted(context.selected_asset_check_keys, key=lambda k: k.name):
                rows = violations(conn, by_name[check_key.name])
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=check_key.name,
                    passed=rows == 0,
                    metadata={"violating_rows": rows},
                )

    return table_checks
