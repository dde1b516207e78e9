"""Dagster definitions of what runs when: jobs, schedules, the automation sensor."""

import dagster as dg

from analytics_pipeline.orchestration.data_snapshot_schedules import build_snapshot_schedules
from analytics_pipeline.orchestration.schedules import automation_condition_sensor, build_schedules

schedules, jobs = build_schedules()
snapshot_jobs, snapshot_schedules = build_snapshot_schedules()

defs = dg.Definitions(
    jobs=[*jobs, *snapshot_jobs],
    schedules=[*schedules, *snapshot_schedules],
    sensors=[automation_condition_sensor],
)
