"""Dagster definitions of maintenance: the erasure of deleted users and the
retention of old rows, each an asset with its job and schedule."""

import dagster as dg

from analytics_pipeline.maintenance.erasure_assets import erasure, erasure_job, erasure_schedule
from analytics_pipeline.maintenance.retention_assets import (
    retention,
    retention_job,
    retention_schedule,
)

defs = dg.Definitions(
    assets=[erasure, retention],
    jobs=[erasure_job, retention_job],
    schedules=[erasure_schedule, retention_schedule],
)
