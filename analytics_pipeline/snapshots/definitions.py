"""Dagster definitions of the periodic data snapshots."""

import dagster as dg

from analytics_pipeline.snapshots.assets import SNAPSHOT_ASSETS, SNAPSHOT_CHECKS
from analytics_pipeline.snapshots.schedules import build_snapshot_schedules

jobs, schedules = build_snapshot_schedules()
defs = dg.Definitions(
    assets=list(SNAPSHOT_ASSETS.values()),
    asset_checks=SNAPSHOT_CHECKS,
    jobs=jobs,
    schedules=schedules,
)
