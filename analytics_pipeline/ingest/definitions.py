"""Dagster definitions of the ingest layer: raw assets and the landing sensor."""

import dagster as dg

from analytics_pipeline.ingest.assets import raw_assets
from analytics_pipeline.ingest.sensors import landing_files_sensor

defs = dg.Definitions(assets=raw_assets, sensors=[landing_files_sensor])
