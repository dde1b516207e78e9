"""Batch-incremental staging and intermediate models: built up over three
ingests (late and duplicate events, re-sent rows, deletions included) they hold
exactly what a full rebuild from the same raw rows gives, and each run claims
only the batches that are new to it."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.sample_data import generate_sample

# Model -> key columns (the row order for comparing).
INCREMENTAL = {
    "staging.stg_user_activity": ["event_id"],
    "staging.stg_agent_runs": ["run_id"],
    "staging.stg_study_events": ["event_id"],
    "staging.stg_question_attempts": ["attempt_id"],
    "staging.stg_material_interactions": ["interaction_id"],
    "intermediate.int_user_activity_days": ["user_id", "workspace_id", "activity_date"],
    "intermediate.int_sessions": ["session_key"],
}
# What the phases build: the incremental models, what they read, and all of
# staging (its relationship tests read every staging model); not the rest of
# the unpartitioned assets. Raw is ingested by the test itself.
UPSTREAM = " or ".join(f"+key:{name.replace('.', '/')}" for name in INCREMENTAL)
SELECTION = f"({UPSTREAM} or group:staging) and not group:raw"
END = date(2026, 9, 30)
PHASES = (date(2026, 9, 18), date(2026, 9, 25), END)  # ingest files dated up to each


def _file_day(path) -> date | None:
    found = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    return date.fromisoformat(found.group(1)) if found else None


def _table(name: str) -> pd.DataFrame:
    with warehouse.connect(warehouse.Role.ADMIN) as conn:
        frame = pd.read_sql_query(f"select * from {name}", conn)  # noqa: S608 (test constant)
    return frame.sort_values(INCREMENTAL[name]).reset_index(drop=True)


def _claimed(model: str, schema: str) -> set[str]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            f"select batch_id from {schema}._processed_batches where model = %s and is_current",
            (model,),
        )
        return {row[0] for row in cur.fetchall()}


def _batches(source: str, files) -> set[str]:
    names = [str(f) for f in files]
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            "select batch_id from raw._ingest_batches where source = %s and source_file = any(%s)",
            (source, names),
        )
        return {row[0] for row in cur.fetchall()}


@pytest.fixture(scope="module")
def built_up(fresh_database, tmp_path_factory):
    """Ingest the sample in three phases, materializing staging and
    intermediate after each; returns the files of the last phase."""
    out = tmp_path_factory.mktemp("sample")
    summary = generate_sample(out, workspaces=2, users=80, days=30, seed=5, end_date=END)
    assert summary.late_rows and summary.duplicate_rows
    done: set = set()
    phase_files: dict[str, list] = {}
    for phase_end in PHASES:
        phase_files = {}
        for source, files in summary.files.items():
            todo = [f for f in files if f not in done and (_file_day(f) or date.min) <= phase_end]
            if todo:
                ingest_files(source, todo)
                phase_files[source] = todo
                done.update(todo)
        assert materialize(SELECTION, log_level="WARNING").success
    return phase_files


def test_last_run_claims_only_the_new_batches(built_up):
    assert _claimed("stg_user_activity", "staging") == _batches(
        "user_activity", built_up["user_activity"]
    )
    assert _claimed("stg_question_attempts", "staging") == _batches(
        "question_attempts", built_up["question_attempts"]
    )
    new_events_and_runs = _batches("user_activity", built_up["user_activity"]) | _batches(
        "agent_runs", built_up["agent_runs"]
    )
    assert _claimed("int_user_activity_days", "intermediate") == new_events_and_runs


def test_incremental_tables_equal_a_full_rebuild(built_up, run_dbt):
    incremental = {name: _table(name) for name in INCREMENTAL}
    models = " ".join(name.split(".")[1] for name in INCREMENTAL)
    run_dbt(["run", "--full-refresh", "--select", *models.split()], name="full-refresh").check()
    for name, frame in incremental.items():
        rebuilt = _table(name)
        assert len(rebuilt) > 0, name
        pd.testing.assert_frame_equal(frame, rebuilt, check_dtype=False, obj=name)
