"""Where the time partitions start: ANALYTICS_PARTITION_START, else the data's
first day recorded under ANALYTICS_HOME, else the default; an earlier
recorded day is kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics_pipeline.settings import (
    DEFAULT_PARTITION_START,
    get_settings,
    partition_start_file,
    record_data_start,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANALYTICS_HOME", str(tmp_path))
    monkeypatch.delenv("ANALYTICS_PARTITION_START", raising=False)
    return tmp_path


def test_nothing_recorded_means_the_default(home: Path):
    assert get_settings().partition_start == DEFAULT_PARTITION_START


def test_the_recorded_first_day_is_the_start_and_an_earlier_one_is_kept(home: Path):
    assert record_data_start(dt.date(2026, 8, 2)) == dt.date(2026, 8, 2)
    assert partition_start_file(home).read_text() == "2026-08-02\n"
    assert get_settings().partition_start == "2026-08-02"
    assert record_data_start(dt.date(2026, 9, 1)) == dt.date(2026, 8, 2)  # later data: kept
    assert get_settings().partition_start == "2026-08-02"
    assert record_data_start(dt.date(2026, 7, 15)) == dt.date(2026, 7, 15)  # older data
    assert get_settings().partition_start == "2026-07-15"


def test_the_variable_overrides_the_recorded_day(home: Path, monkeypatch: pytest.MonkeyPatch):
    record_data_start(dt.date(2026, 8, 2))
    monkeypatch.setenv("ANALYTICS_PARTITION_START", "2026-05-01")
    assert get_settings().partition_start == "2026-05-01"


def test_a_bad_value_names_where_it_comes_from(home: Path, monkeypatch: pytest.MonkeyPatch):
    partition_start_file(home).write_text("August\n")
    with pytest.raises(ValueError, match="partition_start: 'August'"):
        get_settings()
    monkeypatch.setenv("ANALYTICS_PARTITION_START", "2026-13-01")
    with pytest.raises(ValueError, match="ANALYTICS_PARTITION_START: '2026-13-01'"):
        get_settings()


@pytest.mark.parametrize(
    ("start", "hourly", "daily", "weekly", "monthly"),
    [
        # A Sunday: its week began the Monday before (the demo's data starts so).
        ("2026-08-02", "2026-08-02-00:00", "2026-08-02", "2026-07-27", "2026-08-01"),
        ("2026-08-03", "2026-08-03-00:00", "2026-08-03", "2026-08-03", "2026-08-01"),
    ],
)
def test_every_snapshot_period_holding_the_first_day_is_a_partition(
    home, monkeypatch, start, hourly, daily, weekly, monthly
):
    from analytics_pipeline.partitions import period_partitions

    monkeypatch.setenv("ANALYTICS_PARTITION_START", start)
    firsts = {
        kind: period_partitions(kind).get_first_partition_key()
        for kind in ("hourly", "daily", "weekly", "monthly")
    }
    assert firsts == {"hourly": hourly, "daily": daily, "weekly": weekly, "monthly": monthly}
