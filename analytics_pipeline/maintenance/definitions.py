"""Dagster definitions of maintenance: each part's assets, jobs and schedules."""

import dagster as dg

from analytics_pipeline.maintenance.retention_assets import (
    retention,
    retention_job,
    retention_schedule,
)

defs = dg.Definitions(assets=[retention], jobs=[retention_job], schedules=[retention_schedule])
