"""The hospital pack's Python asset: the small-cell rule over the exact figures
(dbt's int_hospital_exact_* models), between them and the published tables
(dbt's models/hospital/published, which read the hidden cells it writes)."""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import dagster as dg

from analytics_pipeline import groups, warehouse
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.hospital.published_tables import TABLE_NAMES, exact_model
from analytics_pipeline.hospital.suppressed_cells import (
    INPUTS_TABLE,
    SCHEMA,
    TABLE,
    run_suppression,
)
from analytics_pipeline.partitions import daily_partitions
from analytics_pipeline.settings import get_settings

SUPPRESSED_CELLS = dg.AssetKey([groups.HOSPITAL, "suppressed_cells"])
SUPPRESSION_INPUTS = dg.AssetKey([groups.HOSPITAL, "suppression_inputs"])
_EXACT = [table_asset_key(SCHEMA, exact_model(table)) for table in TABLE_NAMES]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            SUPPRESSED_CELLS,
            deps=_EXACT,
            kinds={"python", "postgres"},
            metadata={"table": f"{SCHEMA}.{TABLE}"},
            description="Which cells of the published hospital tables the small-cell rule "
            "hides (counts about 1..k-1 patients, k = ANALYTICS_MIN_CELL_SIZE, and the "
            "complementary cells that would give them away), from the exact figures as of "
            "the partition date. Never published.",
        ),
        dg.AssetSpec(
            SUPPRESSION_INPUTS,
            deps=_EXACT,
            kinds={"python", "postgres"},
            metadata={"table": f"{SCHEMA}.{INPUTS_TABLE}"},
            description="The checksums of the exact figures the rule ran on: a published "
            "hospital table is only built over the figures its hidden cells were decided on.",
        ),
    ],
    name="hospital_small_cells",
    group_name=groups.HOSPITAL,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def hospital_small_cells(context: dg.AssetExecutionContext):
    k = get_settings().min_cell_size
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        result = run_suppression(conn, k)
    context.log.info(f"small cells (k = {k}): {result.hidden_cells}")
    yield dg.MaterializeResult(
        asset_key=SUPPRESSED_CELLS,
        metadata={
            "as_of_date": context.partition_key,
            "min_cell_size": k,
            "dagster/row_count": sum(result.rows_with_hidden_cells.values()),
            "seconds": round(result.seconds, 3),
            **{f"hidden_cells_{table}": n for table, n in result.hidden_cells.items()},
        },
    )
    yield dg.MaterializeResult(
        asset_key=SUPPRESSION_INPUTS,
        metadata={
            "as_of_date": context.partition_key,
            "dagster/row_count": len(result.exact_rows),
            **{f"exact_rows_{table}": n for table, n in result.exact_rows.items()},
        },
    )


HOSPITAL_ASSETS = [hospital_small_cells]
