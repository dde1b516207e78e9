"""Dagster side of the erasure (maintenance/erasure.py): the asset
`maintenance/erasure`, downstream of the raw users (where deletions arrive),
and its daily schedule.

The schedule runs at 01:00 UTC: after the night's landing, before the dbt
snapshots (01:30), which then see no trace of the erased users, and before
the daily run (02:00), which recomputes the days the erasure marked dirty.
The erasure locks the tables it changes (erasure.LOCK_TIMEOUT), so a run of
dbt or an ingest at the same time waits for it or makes it wait; it never
reads a half-erased table.
"""

import dagster as dg

from analytics_pipeline import groups
from analytics_pipeline.ingest.assets import raw_asset_key
from analytics_pipeline.maintenance.erasure import ErasureResult, run_erasure
from analytics_pipeline.orchestration.schedules import DEFAULT_STATUS, SCHEDULE_TIMEZONE

ERASURE = dg.AssetKey([groups.MAINTENANCE, "erasure"])


def erasure_metadata(result: ErasureResult) -> dict[str, dg.MetadataValue]:
    """What the UI shows per run: users erased and rows per table (no ids)."""
    rows = result.rows_per_table()
    lines = [f"| {name} | {count} |" for name, count in rows.items()]
    table = "\n".join(["| table | rows |", "|---|---:|", *lines])
    return {
        "users_erased": dg.MetadataValue.int(len(result.users)),
        "rows_erased": dg.MetadataValue.int(sum(rows.values())),
        "rows_per_table": dg.MetadataValue.md(table if rows else "nothing to erase"),
        "files_withdrawn": dg.MetadataValue.int(
            len({f["path"] for user in result.users for f in user.files})
        ),
    }


@dg.asset(
    key=ERASURE,
    group_name=groups.MAINTENANCE,
    deps=[raw_asset_key("users")],
    description="Erases the users who asked for deletion (users.deleted_at) from raw, "
    "quarantine payloads, staging, intermediate, snapshots and undelivered report files; "
    "logs each in control.erasure_log under a keyed pseudonym.",
)
def erasure(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    result = run_erasure(context.run_id)
    context.log.info(f"erased {len(result.users)} users")
    return dg.MaterializeResult(metadata=erasure_metadata(result))


erasure_job = dg.define_asset_job(
    "erasure_job",
    selection=dg.AssetSelection.assets(ERASURE),
    description="Erases the users whose deletion has arrived (right to be forgotten).",
)

erasure_schedule = dg.ScheduleDefinition(
    name="erasure_schedule",
    job=erasure_job,
    cron_schedule="0 1 * * *",
    execution_timezone=SCHEDULE_TIMEZONE,
    default_status=DEFAULT_STATUS,
)
