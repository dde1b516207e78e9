"""Time-based schedules run a period once its data has arrived.

A schedule tick for a period whose data has not arrived (no event in staging
at or after the period's start) is skipped, with the reason on the tick in the
UI, instead of materializing an empty period: a sample whose data ended weeks
ago asks for no run, nor does a live source that has stalled (the freshness
policies then flag the tables). When the data arrives later, the next daily
run recomputes the days it touched (the dirty-days ledger).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from analytics_pipeline import warehouse
from analytics_pipeline.warehouse.arrival import newest_event_time


def skip_until_data_reaches(start: dt.datetime) -> dg.SkipReason | None:
    """A SkipReason when staging holds no event at or after `start` (UTC)."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        newest = newest_event_time(conn)
    if newest is not None and newest >= start:
        return None
    reached = (
        "no event yet"
        if newest is None
        else f"the newest event is at {newest.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    return dg.SkipReason(f"waiting for data from {start:%Y-%m-%d %H:%M} UTC on: {reached}")
