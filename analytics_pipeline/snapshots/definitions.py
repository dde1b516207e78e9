"""Dagster definitions of the periodic data snapshots (their schedules:
orchestration.data_snapshot_schedules)."""

import dagster as dg

from analytics_pipeline.snapshots.assets import SNAPSHOT_ASSETS, SNAPSHOT_CHECKS

defs = dg.Definitions(assets=list(SNAPSHOT_ASSETS.values()), asset_checks=SNAPSHOT_CHECKS)
