"""Asset selections the test modules share.

The HR pack's tables are proven in tests/test_hr_metrics.py; a module about
the core tables builds of the pack only what analytics_metrics reads
(int_hr_kpis and its inputs), so that it does not pay for the pack's daily
tables and their checks on every run."""

from __future__ import annotations

from analytics_pipeline.commands.build import DAILY, UNPARTITIONED

_NOT_HR_TABLES = "not (group:hr and not +key:hr/int_hr_kpis)"


def without_hr_tables(selection: str) -> str:
    """`selection` less the HR models that analytics_metrics does not read."""
    return f"({selection}) and {_NOT_HR_TABLES}"


CORE_UNPARTITIONED = without_hr_tables(UNPARTITIONED)
CORE_DAILY = without_hr_tables(DAILY)
