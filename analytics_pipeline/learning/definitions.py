"""Dagster definitions of the learning assets."""

import dagster as dg

from analytics_pipeline.learning.assets import LEARNING_ASSETS

defs = dg.Definitions(assets=LEARNING_ASSETS)
