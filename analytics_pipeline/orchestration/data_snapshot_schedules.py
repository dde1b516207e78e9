"""Each data snapshot asset (dbt model data_snapshots_<period>) runs once its
period has ended (UTC) and its data has arrived (`data_gate`)."""

from __future__ import annotations

import dagster as dg

from analytics_pipeline.dbt.assets import DATA_SNAPSHOT_ASSETS
from analytics_pipeline.orchestration.data_gate import skip_until_data_reaches

# minute, hour, day of week, day of month after the period closed; the daily
# aggregates land at 02:00 UTC, so day-based snapshots run after them.
_TIMING = {
    "hourly": {"minute_of_hour": 20},
    "daily": {"minute_of_hour": 30, "hour_of_day": 2},
    "weekly": {"minute_of_hour": 0, "hour_of_day": 3, "day_of_week": 1},
    "monthly": {"minute_of_hour": 30, "hour_of_day": 3, "day_of_month": 1},
}


def build_snapshot_schedules() -> tuple[list, list]:
    jobs, schedules = [], []
    for kind, asset in DATA_SNAPSHOT_ASSETS.items():
        job = dg.define_asset_job(
            f"data_snapshots_{kind}_job",
            selection=dg.AssetSelection.assets(asset),
            partitions_def=asset.partitions_def,
        )
        jobs.append(job)
        schedules.append(_schedule(kind, job, asset.partitions_def))
    return jobs, schedules


def _schedule(
    kind: str, job: dg.UnresolvedAssetJobDefinition, partitions: dg.TimeWindowPartitionsDefinition
) -> dg.ScheduleDefinition:
    @dg.schedule(
        job=job,
        cron_schedule=partitions.get_cron_schedule(**_TIMING[kind]),
        execution_timezone=partitions.timezone,
        name=f"data_snapshots_{kind}_schedule",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def snapshot_schedule(context: dg.ScheduleEvaluationContext):
        # The last complete period at the scheduled time.
        window = partitions.get_prev_partition_window(context.scheduled_execution_time)
        if window is None:
            return dg.SkipReason("no complete period yet")
        key = partitions.get_partition_key_for_timestamp(window.start.timestamp())
        return skip_until_data_reaches(window.start) or dg.RunRequest(
            run_key=key, partition_key=key
        )

    return snapshot_schedule
