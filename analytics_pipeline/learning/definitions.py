"""Dagster definitions of the learning assets."""

import dagster as dg

from analytics_pipeline.learning.assets import LEARNING_ASSETS, LEARNING_CHECKS

defs = dg.Definitions(assets=LEARNING_ASSETS, asset_checks=LEARNING_CHECKS)
