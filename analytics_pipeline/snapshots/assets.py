"""data_snapshots assets: one per period type, each partitioned by its period,
writing its slice of analytics.data_snapshots."""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import datetime as dt

import dagster as dg
from psycopg2 import sql

from analytics_pipeline import groups, warehouse
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.partitions import period_partitions
from analytics_pipeline.published_tables import (
    PUBLISHED_FRESHNESS,
    column_schema,
    warehouse_checks,
)
from analytics_pipeline.snapshots.kpis import COLUMNS, DDL, GRAIN, TABLE, period_query
from analytics_pipeline.warehouse.checks import table_checks
from analytics_pipeline.warehouse.columns import columns_of
from analytics_pipeline.warehouse.previews import PREVIEW_ROWS, markdown_table

SNAPSHOT_TAG = "data_snapshots"
HOURLY_METRICS = table_asset_key("analytics", "hourly_metrics")
DAILY_METRICS = table_asset_key("analytics", "daily_metrics")
ACTIVITY_DAYS = table_asset_key("intermediate", "int_user_activity_days")


_UPSTREAM = {
    "hourly": [HOURLY_METRICS],
    "daily": [DAILY_METRICS],
    "weekly": [DAILY_METRICS, ACTIVITY_DAYS],
    "monthly": [DAILY_METRICS, ACTIVITY_DAYS],
}


def _build(snapshot_type: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=[groups.SNAPSHOTS, f"data_snapshots_{snapshot_type}"],
        group_name=groups.SNAPSHOTS,
        partitions_def=period_partitions(snapshot_type),
        deps=_UPSTREAM[snapshot_type],
        kinds={"postgres", "python"},
        backfill_policy=dg.BackfillPolicy.single_run(),
        tags={SNAPSHOT_TAG: ""},
        description=f"The {snapshot_type} KPIs of each period, per workspace and for all "
        f"workspaces, as rows snapshot_type='{snapshot_type}' of {TABLE}.",
        metadata={
            "table": TABLE,
            "dagster/column_schema": column_schema(*TABLE.split("."), columns_of(COLUMNS)),
        },
        freshness_policy=PUBLISHED_FRESHNESS,
    )
    def data_snapshot(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        window = context.partition_time_window
        query = period_query(snapshot_type, window.start, window.end)
        with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
            cur.execute(DDL)
            warehouse.isolate_workspaces(conn, TABLE)
            cur.execute(query.delete, query.params)
            cur.execute(query.insert, query.params)
            rows = cur.rowcount
            cur.execute(
                f"select snapshot_date, coalesce(workspace_id, '(all)') as workspace, data "
                f"from {TABLE} where snapshot_type = %(type)s and snapshot_date >= %(start)s "
                "and snapshot_date < %(end)s order by snapshot_date desc, workspace_id nulls first "
                "limit %(rows)s",
                {**query.params, "rows": PREVIEW_ROWS},
            )
            preview = cur.fetchall()
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "period_start": window.start.isoformat(),
                "period_end": window.end.isoformat(),
                "preview": dg.MetadataValue.md(preview_markdown(preview)),
            }
        )

    return data_snapshot


SNAPSHOT_ASSETS = {kind: _build(kind) for kind in ("hourly", "daily", "weekly", "monthly")}
SNAPSHOT_CHECKS = [
    warehouse_checks(
        asset.key,
        table_checks(
            TABLE,
            key=GRAIN,
            not_null=GRAIN[:2],  # workspace_id null: the row for all workspaces
            where=sql.SQL("snapshot_type = {}").format(sql.Literal(kind)),
        ),
    )
    for kind, asset in SNAPSHOT_ASSETS.items()
]


def preview_markdown(rows: list[tuple[dt.datetime, str, dict]]) -> str:
    """Snapshot rows (snapshot_date, workspace, data) as a markdown table with one
    column per KPI."""
    kpis = list(dict.fromkeys(k for _, _, data in rows for k in data))
    return markdown_table(
        ["snapshot_date", "workspace_id", *kpis],
        [(date, workspace, *(data.get(k) for k in kpis)) for date, workspace, data in rows],
    )


def partition_key_range(
    asset: dg.AssetsDefinition, first_day: dt.date, last_day: dt.date
) -> tuple[str, str] | None:
    """First and last partition keys of `asset` for the periods that overlap
    first_day..last_day and have ended by then (None when none has)."""
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    partitions = asset.partitions_def
    # Widen by the longest period so a period that began before first_day counts.
    search = dg.TimeWindow(start - dt.timedelta(days=31), end)
    keys = [
        key
        for key in partitions.get_partition_keys_in_time_window(search)
        if start < partitions.time_window_for_partition_key(key).end <= end
    ]
    return (keys[0], keys[-1]) if keys else None
