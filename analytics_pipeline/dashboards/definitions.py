"""Dagster definitions of the dashboard layer."""

import dagster as dg

from analytics_pipeline.dashboards.assets import build_dashboard_assets
from analytics_pipeline.dashboards.sensors import dashboard_schedule_sensor

defs = dg.Definitions(assets=build_dashboard_assets(), sensors=[dashboard_schedule_sensor])
