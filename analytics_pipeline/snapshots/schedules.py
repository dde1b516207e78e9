"""Each data_snapshots asset runs once its period has ended (UTC)."""

from __future__ import annotations

import dagster as dg

from analytics_pipeline.snapshots.assets import SNAPSHOT_ASSETS

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
    for kind, asset in SNAPSHOT_ASSETS.items():
        job = dg.define_asset_job(
            f"data_snapshots_{kind}_job",
            selection=dg.AssetSelection.assets(asset),
            partitions_def=asset.partitions_def,
        )
        # Targets the last complete period; the schedule's timezone is the
        # partitions' (UTC).
        schedule = dg.build_schedule_from_partitioned_job(
            job,
            name=f"data_snapshots_{kind}_schedule",
            default_status=dg.DefaultScheduleStatus.RUNNING,
            **_TIMING[kind],
        )
        jobs.append(job)
        schedules.append(schedule)
    return jobs, schedules
