"""Dagster definitions of the hospital pack's Python asset."""

import dagster as dg

from analytics_pipeline.hospital.assets import HOSPITAL_ASSETS

defs = dg.Definitions(assets=HOSPITAL_ASSETS)
