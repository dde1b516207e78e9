"""Dashboards: multi-widget definitions rendered to one HTML and one PDF file per run."""
