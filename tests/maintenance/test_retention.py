"""Retention on a real warehouse: expired month partitions dropped (row counts
as pandas computes them), published aggregates deleted by date, quarantine
payloads nulled after their period, each action recorded; the settings
refuse what would change published numbers."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main as cli_main
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.maintenance.retention import run_retention
from analytics_pipeline.maintenance.retention_settings import (
    RetentionConfigError,
    apply_overrides,
    batch_incremental_sources,
    check,
    default_settings,
    load_settings,
)
from analytics_pipeline.settings import get_settings

AS_OF = dt.date(2026, 6, 10)


def _query(sql: str, params=(), role=warehouse.Role.ADMIN) -> list[tuple]:
    with warehouse.connect(role) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def _events(count: int) -> pd.DataFrame:
    """Events at random instants from 2026-01-15 to AS_OF."""
    rng = np.random.default_rng(5)
    start = pd.Timestamp("2026-01-15", tz="UTC")
    seconds = rng.integers(0, int((pd.Timestamp(AS_OF, tz="UTC") - start).total_seconds()), count)
    return pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(count)],
            "occurred_at": start + pd.to_timedelta(seconds, "s"),
        }
    )


@pytest.fixture
def landed(empty_database, tmp_path) -> pd.DataFrame:
    events = _events(3000)
    path = tmp_path / "events.jsonl"
    with open(path, "w") as handle:
        for row in events.itertuples():
            record = {
                "event_id": row.event_id,
                "user_id": "u1",
                "workspace_id": "ws_1",
                "event_type": "login",
                "occurred_at": row.occurred_at.isoformat(),
            }
            handle.write(json.dumps(record) + "\n")
        handle.write('{"event_id": "bad", "event_type": "nope"}\n')
    ingest_files("user_activity", [path])
    return events


def _settings(**tables):
    return apply_overrides(
        default_settings(), {"tables": tables, "quarantine_payload_days": 90}, "test"
    )


def test_expired_month_partitions_are_dropped_and_the_straddling_one_kept(landed):
    cutoff = pd.Timestamp(AS_OF - dt.timedelta(days=90), tz="UTC")  # 2026-03-12
    month_end = landed.occurred_at.dt.tz_localize(None).dt.to_period("M").dt.end_time
    expired = landed[month_end < cutoff.tz_localize(None)]
    assert set(expired.occurred_at.dt.month) == {1, 2}  # March straddles the cutoff

    report = run_retention(_settings(**{"raw.user_activity": 90}), AS_OF)

    [drop] = [
        a
        for a in report.actions
        if a.action == "drop_partitions" and a.table == "raw.user_activity"
    ]
    assert drop.partitions == ("user_activity_p2026_01", "user_activity_p2026_02")
    assert drop.rows == len(expired)
    assert _query("select count(*) from raw.user_activity") == [(len(landed) - len(expired),)]
    assert _query("select min(occurred_at) >= '2026-03-01' from raw.user_activity") == [(True,)]
    # The months ahead of the as-of date have their partitions already.
    ahead = [
        a
        for a in report.actions
        if a.action == "create_partitions" and a.table == "raw.user_activity"
    ]
    assert ahead[0].partitions == (
        "user_activity_p2026_07",
        "user_activity_p2026_08",
        "user_activity_p2026_09",
    )
    recorded = _query(
        "select action, rows, partitions from control.retention_runs "
        "where run_id = %s and table_name = 'raw.user_activity' and action = 'drop_partitions'",
        (report.run_id,),
        role=warehouse.Role.TRANSFORMER,
    )
    assert recorded == [("drop_partitions", len(expired), list(drop.partitions))]


def test_a_dry_run_counts_and_changes_nothing(landed):
    report = run_retention(_settings(**{"raw.user_activity": 40}), AS_OF, dry_run=True)
    [drop] = [
        a
        for a in report.actions
        if a.action == "drop_partitions" and a.table == "raw.user_activity"
    ]
    assert drop.partitions == (
        "user_activity_p2026_01",
        "user_activity_p2026_02",
        "user_activity_p2026_03",
        "user_activity_p2026_04",
    )
    assert _query("select count(*) from raw.user_activity") == [(len(landed),)]
    assert _query("select to_regclass('raw.user_activity_p2026_07')") == [(None,)]


def test_without_an_as_of_date_retention_counts_back_from_the_newest_event(landed):
    report = run_retention(_settings(), dry_run=True)
    assert report.as_of == landed.occurred_at.max().date()


def test_quarantine_payloads_are_nulled_after_their_period_keeping_reason_and_line(landed):
    _query("update raw._quarantine set quarantined_at = '2026-03-01T10:00:00Z'")
    # Another batch's row quarantined later: within the period.
    _query("""insert into raw._quarantine (source, source_file, source_line, batch_id, reason,
                  payload, quarantined_at)
              values ('users', 'f', 3, 'b2', 'why', '{"x": 1}', '2026-03-20T00:00:00Z')""")

    report = run_retention(_settings(), AS_OF)  # cutoff 2026-03-12

    [nulled] = [a for a in report.actions if a.action == "null_payloads"]
    assert nulled.rows == 1
    rows = _query(
        "select source, source_line, reason is not null, payload from raw._quarantine "
        "order by quarantined_at"
    )
    assert rows == [("user_activity", 3001, True, None), ("users", 3, True, '{"x": 1}')]


def test_published_aggregates_are_deleted_by_date(empty_database):
    days = pd.date_range("2026-03-01", AS_OF, freq="D").date
    _query("create schema if not exists analytics", role=warehouse.Role.TRANSFORMER)
    _query(
        "create table analytics.hourly_metrics (metric_date date, metric_hour int, n int)",
        role=warehouse.Role.TRANSFORMER,
    )
    _query(
        "insert into analytics.hourly_metrics select d, h, 1 from unnest(%s::date[]) d, "
        "generate_series(0, 23) h",
        (list(days),),
        role=warehouse.Role.TRANSFORMER,
    )
    kept = [d for d in days if d >= AS_OF - dt.timedelta(days=30)]

    report = run_retention(_settings(**{"analytics.hourly_metrics": 30}), AS_OF)

    [deleted] = [a for a in report.actions if a.table == "analytics.hourly_metrics"]
    assert deleted.rows == (len(days) - len(kept)) * 24
    assert _query(
        "select min(metric_date), count(*) from analytics.hourly_metrics",
        role=warehouse.Role.TRANSFORMER,
    ) == [(kept[0], len(kept) * 24)]


def test_settings_refuse_what_would_change_published_numbers(tmp_path):
    models = get_settings().dbt_project_dir / "models"
    incremental = batch_incremental_sources(models)
    assert "user_activity" in incremental and "hospital_deleted_rows" not in incremental
    check(default_settings(), 3, incremental)  # the defaults pass
    with pytest.raises(RetentionConfigError, match="longer than the 3 lookback days"):
        check(_settings(**{"analytics.hourly_metrics": 3}), 3, incremental)
    with pytest.raises(RetentionConfigError, match="rebuilt whole"):
        check(_settings(**{"raw.hospital_deleted_rows": 400}), 3, incremental)
    path = tmp_path / "retention.yml"
    path.write_text("tables:\n  raw.nope: 3\n")
    with pytest.raises(RetentionConfigError, match="raw.nope has no retention"):
        load_settings(path, 3, models)
    path.write_text("tables:\n  raw.user_activity: 120\nquarantine_payload_days: null\n")
    loaded = load_settings(path, 3, models)
    assert loaded.target("raw.user_activity").days == 120
    assert loaded.quarantine_payload_days is None


def test_cli_retention_run_and_show(landed, tmp_path, monkeypatch, capsys):
    path = tmp_path / "retention.yml"
    path.write_text("tables:\n  raw.user_activity: 60\n")
    monkeypatch.setenv("ANALYTICS_RETENTION_FILE", str(path))
    assert cli_main(["retention", "run", "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "user_activity_p2026_03" in out  # 60 days: cutoff 2026-04-11
    assert cli_main(["retention", "show"]) == 0
    out = capsys.readouterr().out
    assert "raw.user_activity" in out and "60" in out
    assert "raw.user_activity_p2026_04" in out and "raw.user_activity_p2026_03 " not in out


def test_the_asset_runs_as_of_the_scheduled_day_and_reports_each_table(landed):
    import dagster as dg

    from analytics_pipeline.maintenance.retention_assets import retention, retention_schedule

    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 6, 10, 4, tzinfo=dt.UTC)
    )
    request = retention_schedule(context)
    assert request.run_config == {
        "ops": {"maintenance__retention": {"config": {"as_of": "2026-06-10"}}}
    }

    result = dg.materialize([retention], run_config=request.run_config)

    [materialization] = result.asset_materializations_for_node("maintenance__retention")
    metadata = materialization.metadata
    assert metadata["as_of"].value == "2026-06-10"
    assert (
        metadata["rows_removed"].value
        == _query(
            "select sum(rows) from control.retention_runs where action in "
            "('drop_partitions', 'delete_rows')",
            role=warehouse.Role.TRANSFORMER,
        )[0][0]
    )
    assert "user_activity_p2026_02" in metadata["actions"].value
