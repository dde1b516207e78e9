"""The activity and agent analytics models (issue 3) on a small generated
sample: grains, incremental runs equal to full builds, late events and
deletions reaching past days. Exact values against an independent pandas
computation live in tests/reference/."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.sample_data import generate_sample

pytestmark = pytest.mark.integration

# table -> its grain (unique key; workspace_id may be null on all-workspaces rows)
GRAINS: dict[str, tuple[str, ...]] = {
    "hourly_metrics": ("metric_hour", "workspace_id"),
    "daily_metrics": ("metric_date", "workspace_id"),
    "agent_performance": ("metric_date", "workspace_id", "agent_id"),
    "feature_utilization": ("metric_date", "workspace_id", "feature"),
    "user_engagement_metrics": ("metric_date", "workspace_id", "user_id"),
    "active_users": ("metric_date", "workspace_id"),
    "top_agents": ("as_of_date", "workspace_id", "rank"),
    "workspace_summary": ("as_of_date", "workspace_id"),
    "user_cohorts": ("as_of_date", "cohort_type", "cohort_start", "workspace_id"),
    "analytics_metrics": ("metric_name", "period_type", "period_start", "workspace_id"),
}
TABLES = sorted(GRAINS)
WITH_ALL_WORKSPACES_ROW = (
    "hourly_metrics", "daily_metrics", "active_users", "user_cohorts", "analytics_metrics",
)  # fmt: skip
UPSTREAM = ["--select", *(f"+{t}" for t in TABLES), "--exclude", "tag:daily"]
DAILY = ["--select", *TABLES]


def _query(sql: str, params: tuple = ()) -> list[tuple]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _execute(sql: str, params: tuple = ()) -> None:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        conn.commit()


def _normalized(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def _table_state() -> dict[str, list[tuple]]:
    """Every row of every table, order-free (jsonb values compared as sorted JSON)."""
    state = {}
    for table in TABLES:
        rows = _query(f"select * from analytics.{table}")
        state[table] = sorted(
            (tuple(_normalized(v) for v in row) for row in rows), key=lambda r: repr(r)
        )
    return state


def _assert_same_state(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    for table in TABLES:
        missing = set(expected[table]) - set(actual[table])
        extra = set(actual[table]) - set(expected[table])
        assert not missing and not extra, (
            f"{table}: {len(missing)} rows missing, {len(extra)} unexpected; "
            f"e.g. missing {sorted(missing, key=repr)[:2]}, "
            f"unexpected {sorted(extra, key=repr)[:2]}"
        )
        assert len(actual[table]) == len(expected[table]), table


def _window(day: dt.date) -> dict[str, str]:
    """One day's partition window, as Dagster passes it to dbt."""
    return {
        "ANALYTICS_WINDOW_MIN_DATE": day.isoformat(),
        "ANALYTICS_WINDOW_MAX_DATE": day.isoformat(),
    }


def _window_vars(day: dt.date) -> list[str]:
    """The same window as dbt vars, as a user running dbt by hand gives it."""
    return ["--vars", json.dumps({"min_date": day.isoformat(), "max_date": day.isoformat()})]


@pytest.fixture(scope="module")
def built(fresh_database, run_dbt, tmp_path_factory) -> dict[str, Any]:
    """A sample landed and built from scratch (models and their tests)."""
    out: Path = tmp_path_factory.mktemp("activity_sample")
    summary = generate_sample(out, workspaces=2, users=70, days=24, seed=3)
    for source, files in summary.files.items():
        ingest_files(source, files)
    build = ["build", "--indirect-selection", "cautious", "--select", *(f"+{t}" for t in TABLES)]
    result = run_dbt(build, name="build").check()
    (last_day,) = _query("select max(metric_date) from analytics.daily_metrics")[0]
    return {"manifest": result.manifest, "last_day": last_day}


def test_models_are_daily_incremental_and_documented(built):
    nodes = {
        n["name"]: n for n in built["manifest"]["nodes"].values() if n["resource_type"] == "model"
    }
    for table in TABLES:
        node = nodes[table]
        assert node["schema"] == "analytics"
        assert "daily" in node["tags"], table
        assert node["config"]["materialized"] == "incremental", table
        assert node["description"].strip(), table
    unit_tests = {n["model"] for n in built["manifest"]["unit_tests"].values()}
    assert {"int_sessions", "user_cohorts", "agent_performance", "analytics_metrics"} <= unit_tests


def test_grains_are_unique_and_tables_filled(built):
    for table, grain in GRAINS.items():
        keys = ", ".join(f"coalesce({c}::text, '<all>')" for c in grain)
        ((rows, distinct),) = _query(
            f"select count(*), count(distinct ({keys})) from analytics.{table}"
        )
        assert rows > 0, table
        assert rows == distinct, table
        if table in WITH_ALL_WORKSPACES_ROW:
            ((all_rows,),) = _query(
                f"select count(*) from analytics.{table} where workspace_id is null"
            )
            assert all_rows > 0, table


def test_dense_daily_tables_reach_the_last_day(built):
    rows = _query(
        "select workspace_id, max(metric_date), count(*) from analytics.daily_metrics group by 1"
    )
    assert len(rows) == 3  # two workspaces and the all-workspaces row
    assert {last for _, last, _ in rows} == {built["last_day"]}


def test_incremental_run_of_the_last_day_equals_the_full_build(built, run_dbt):
    full = _table_state()
    run_dbt(["run", *DAILY], environment=_window(built["last_day"]), name="incremental").check()
    _assert_same_state(_table_state(), full)
    # Running the same partition again (the window as vars) changes nothing either.
    run_dbt(["run", *DAILY, *_window_vars(built["last_day"])], name="incremental_again").check()
    _assert_same_state(_table_state(), full)


def test_late_event_lands_in_its_own_day(built, run_dbt):
    last_day = built["last_day"]
    late_day = last_day - dt.timedelta(days=2)
    user_id, workspace_id = _query(
        """select user_id, workspace_id from intermediate.int_user_activity_days
           where activity_date = %s order by user_id limit 1""",
        (late_day,),
    )[0]
    before = _daily_counts()
    _execute(
        """insert into raw.user_activity
               (event_id, user_id, workspace_id, event_type, metadata, occurred_at,
                _ingested_at, _source_file, _source_line, _batch_id)
           values ('late-event-1', %s, %s, 'error', '{"error_type": "LateError"}',
                   %s::date + interval '12 hours 34 minutes', %s::date + interval '2 days 6 hours',
                   'late.jsonl', 1, 'late-batch')""",
        (user_id, workspace_id, late_day, last_day),
    )
    # The ledger row the loader writes with every batch: staging reads new batches only.
    _execute(
        """insert into raw._ingest_batches
               (batch_id, source, source_file, file_sha256, file_bytes, file_format,
                rows_read, rows_loaded, rows_quarantined, started_at, finished_at)
           values ('late-batch', 'user_activity', 'late.jsonl', repeat('0', 64), 100, 'jsonl',
                   1, 1, 0, %s::date + interval '2 days 6 hours',
                   %s::date + interval '2 days 6 hours')""",
        (last_day, last_day),
    )
    run_dbt(["run", *UPSTREAM], name="late_upstream").check()
    run_dbt(["run", *DAILY], environment=_window(last_day), name="late_incremental").check()
    after = _daily_counts()

    for key in (late_day, workspace_id), (late_day, None):
        events, errors = before[key]
        assert after[key] == (events + 1, errors + 1), key
    assert {k: v for k, v in after.items() if k[0] != late_day} == {
        k: v for k, v in before.items() if k[0] != late_day
    }
    ((errors_by_type,),) = _query(
        """select errors_by_type from analytics.daily_metrics
           where metric_date = %s and workspace_id = %s""",
        (late_day, workspace_id),
    )
    assert errors_by_type.get("LateError") == 1

    incremental = _table_state()
    run_dbt(["run", *DAILY, "--full-refresh"], name="late_full").check()
    _assert_same_state(incremental, _table_state())


def _daily_counts() -> dict[tuple, tuple[int, int]]:
    rows = _query(
        "select metric_date, workspace_id, events, error_events from analytics.daily_metrics"
    )
    return {(d, w): (e, x) for d, w, e, x in rows}


def test_deletion_reaches_days_before_the_lookback(built, run_dbt):
    last_day = built["last_day"]
    # A user active well before the lookback window of the last day's run.
    (user_id,) = _query(
        """select user_id from intermediate.int_user_activity_days
           where activity_date < %s group by user_id
           order by count(*) desc, user_id limit 1""",
        (last_day - dt.timedelta(days=7),),
    )[0]
    early_days = _query(
        """select count(*) from analytics.user_engagement_metrics
           where user_id = %s and metric_date < %s""",
        (user_id, last_day - dt.timedelta(days=7)),
    )[0][0]
    assert early_days > 0
    _execute(
        """insert into raw.users (user_id, workspace_id, role, created_at, updated_at, deleted_at,
                                  _ingested_at, _source_file, _source_line, _batch_id)
           select user_id, workspace_id, role, created_at,
                  %s::date + interval '10 hours', %s::date + interval '10 hours',
                  %s::date + interval '1 day', 'deletion.jsonl', 1, 'deletion-batch'
           from staging.stg_users where user_id = %s""",
        (last_day, last_day, last_day, user_id),
    )
    run_dbt(["run", *UPSTREAM], name="deletion_upstream").check()
    run_dbt(["run", *DAILY], environment=_window(last_day), name="deletion_incremental").check()

    assert not _query(
        "select 1 from analytics.user_engagement_metrics where user_id = %s", (user_id,)
    )
    incremental = _table_state()
    run_dbt(["run", *DAILY, "--full-refresh"], name="deletion_full").check()
    _assert_same_state(incremental, _table_state())
