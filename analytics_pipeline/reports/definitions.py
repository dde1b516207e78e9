"""Dagster definitions of the report layer."""

import dagster as dg

from analytics_pipeline.reports.assets import build_report_assets
from analytics_pipeline.reports.sensors import report_schedule_sensor

defs = dg.Definitions(assets=build_report_assets(), sensors=[report_schedule_sensor])
