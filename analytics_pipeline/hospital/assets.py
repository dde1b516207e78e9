"""The hospital pack's Python asset: the small-cell rule over the exact figures
(dbt's int_hospital_exact_* models), between them and the published tables
(dbt's models/hospital/published, which read the hidden cells it writes)."""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import dagster as dg

from analytics_pipeline import groups, warehouse
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.hospital.published_tables import TABLE_NAMES, exact_model
from analytics_pipeline.hospital.suppressed_cells import SCHEMA, TABLE, run_suppression
from analytics_pipeline.partitions import daily_partitions
from analytics_pipeline.settings import get_settings

SUPPRESSED_CELLS = dg.AssetKey([groups.HOSPITAL, "suppressed_cells"])


@dg.asset(
    key=SUPPRESSED_CELLS,
    deps=[table_asset_key(SCHEMA, exact_model(table)) for table in TABLE_NAMES],
    kinds={"python", "postgres"},
    group_name=groups.HOSPITAL,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    metadata={"table": f"{SCHEMA}.{TABLE}"},
    description="Which cells of the published hospital tables the small-cell rule hides "
    "(counts about 1..k-1 patients, k = ANALYTICS_MIN_CELL_SIZE, and the complementary "
    "cells that would give them away), from the exact figures as of the partition date. "
    "Never published.",
)
def suppressed_cells(context: dg.AssetExecutionContext):
    k = get_settings().min_cell_size
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        result = run_suppression(conn, k)
    context.log.info(f"small cells (k = {k}): {result.hidden_cells}")
    return dg.MaterializeResult(
        metadata={
            "as_of_date": context.partition_key,
            "min_cell_size": k,
            "dagster/row_count": sum(result.rows_with_hidden_cells.values()),
            "seconds": round(result.seconds, 3),
            **{f"hidden_cells_{table}": n for table, n in result.hidden_cells.items()},
            **{f"exact_rows_{table}": n for table, n in result.exact_rows.items()},
        }
    )


HOSPITAL_ASSETS = [suppressed_cells]
