"""Helpers of the test modules that build one dataset through the project's
own assets and compare the warehouse with the reference."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from analytics_pipeline.commands.materialize import materialize
from tests.reference.oracle import GRAINS, warehouse_table


@contextmanager
def landing_folder(path: Path) -> Iterator[Path]:
    """ANALYTICS_LANDING_DIR is `path` inside the block (the raw assets read it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANALYTICS_LANDING_DIR", str(path))
        yield path


def materialize_days(selection: str, first: dt.date, last: dt.date) -> None:
    """One run of the daily partitions first..last of `selection`, as a backfill runs it."""
    result = materialize(
        selection, as_of=last.isoformat(), first_day=first.isoformat(), log_level="WARNING"
    )
    assert result.success


def sorted_tables(names: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The warehouse tables `names`, each sorted by its grain."""
    return {
        name: warehouse_table(name).sort_values(list(GRAINS[name])).reset_index(drop=True)
        for name in names
    }


def assert_same_tables(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    """Two `sorted_tables` results hold the same rows."""
    assert before.keys() == after.keys()
    for name, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[name], check_dtype=False, obj=name)
