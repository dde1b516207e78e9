"""Periodic data snapshots: each period's KPIs frozen into analytics.data_snapshots."""
