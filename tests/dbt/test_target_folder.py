"""What dbt runs leave in dbt_project/target and what they reuse from it."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from types import SimpleNamespace

from analytics_pipeline.dbt.project import (
    KEPT_INVOCATION_FOLDERS,
    KEPT_PARSE_STATES,
    environment_set,
    prune_target_folder,
)
from analytics_pipeline.dbt.window import window_environment


def _age(path: Path, hours: float) -> None:
    moment = time.time() - hours * 3600
    os.utime(path, (moment, moment))


def test_old_invocation_folders_and_parse_states_are_pruned(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{}")
    folders = []
    for n in range(KEPT_INVOCATION_FOLDERS + 5):
        folder = target / f"dbt_daily_models-{n:07x}-abcdef0"
        folder.mkdir()
        (folder / "run_results.json").write_text("{}")
        _age(folder, hours=30 - n)  # the first folders are the oldest
        folders.append(folder)
    states = []
    for n in range(KEPT_PARSE_STATES + 2):
        state = target / f"parse-state-{n:012x}.msgpack"
        state.write_bytes(b"x")
        _age(state, hours=10 - n)
        states.append(state)
    recent = target / "dbt_models-0000000-1234567"  # old-but-recent: under an hour
    recent.mkdir()
    unrelated = target / "compiled"
    unrelated.mkdir()
    _age(unrelated, hours=100)

    project = SimpleNamespace(manifest_path=target / "manifest.json")
    # The newest folder is under an hour old: it counts among the kept ones.
    assert prune_target_folder(project) == 6 + 2
    kept = sorted(p.name for p in target.iterdir())
    assert kept == sorted(
        ["manifest.json", "compiled", recent.name]
        + [f.name for f in folders[6:]]
        + [s.name for s in states[2:]]
    )
    assert prune_target_folder(project) == 0


def test_a_partition_window_reaches_dbt_in_the_environment_only_while_it_starts(monkeypatch):
    monkeypatch.setenv("ANALYTICS_WINDOW_MAX_DATE", "1999-01-01")
    monkeypatch.delenv("ANALYTICS_WINDOW_MIN_DATE", raising=False)
    start = dt.datetime(2026, 9, 28, tzinfo=dt.UTC)
    window = window_environment(start, start + dt.timedelta(days=3))
    assert window["ANALYTICS_WINDOW_MIN_DATE"] == "2026-09-28"
    assert window["ANALYTICS_WINDOW_MAX_DATE"] == "2026-09-30"  # inclusive last day
    assert window["ANALYTICS_LOOKBACK_DAYS"].isdigit()
    with environment_set(window):
        assert os.environ["ANALYTICS_WINDOW_MAX_DATE"] == "2026-09-30"
    assert os.environ["ANALYTICS_WINDOW_MAX_DATE"] == "1999-01-01"
    assert "ANALYTICS_WINDOW_MIN_DATE" not in os.environ
