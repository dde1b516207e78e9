"""The alerts in the Dagster graph: each example rule is an asset downstream of
the table it reads; the daily job evaluates every rule after its tables, the
hourly job the rules on hourly_metrics; the watchdog asks for yesterday; and a
run of the rules' sync, then one of every rule, evaluates each example rule on
tables whose values are known exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.alerts.assets import ALERT_RULES, ALERTS_IN_TABLE, alert_key
from analytics_pipeline.alerts.definition import load_alert_rule_files
from analytics_pipeline.alerts.definitions import alerts_watchdog_schedule
from analytics_pipeline.commands.build import _stages
from analytics_pipeline.commands.materialize import materialize, resolve_selection
from analytics_pipeline.dagster_instance import prepare_dagster_home
from analytics_pipeline.reports.assets import source_key
from analytics_pipeline.settings import REPO_DIR

EXAMPLES = load_alert_rule_files(REPO_DIR / "alerts")
DAY = date(2026, 6, 10)


def _defs() -> dg.Definitions:
    from analytics_pipeline.definitions import defs

    return defs


def test_every_example_rule_is_an_asset_downstream_of_its_table() -> None:
    graph = _defs().resolve_asset_graph()
    assert len(EXAMPLES) == 5
    for rule in EXAMPLES:
        key = alert_key(rule.id)
        assert graph.get(key).parent_keys == {ALERT_RULES, source_key(rule.metric.data_source)}
        assert graph.get(key).partitions_def is not None
    assert graph.get(ALERTS_IN_TABLE).parent_keys == {ALERT_RULES}


def test_the_daily_and_hourly_jobs_evaluate_the_rules() -> None:
    defs = _defs()
    rule_keys = {alert_key(rule.id) for rule in EXAMPLES}
    daily = defs.resolve_job_def("daily_analytics_job").asset_layer.selected_asset_keys
    assert rule_keys | {ALERT_RULES, ALERTS_IN_TABLE} <= daily
    hourly = defs.resolve_job_def("hourly_metrics_job").asset_layer.selected_asset_keys
    assert {k for k in hourly if k.path[0] == "alerts"} == {
        ALERT_RULES,
        alert_key("hourly_error_events"),
    }
    stages = _stages(resolve_selection("group:alerts"))
    assert stages["alerts"] == rule_keys | {ALERT_RULES, ALERTS_IN_TABLE}
    assert not stages["unpartitioned"]


def test_the_watchdog_asks_for_yesterday_whatever_the_data() -> None:
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 6, 11, 6, tzinfo=UTC)
    )
    request = alerts_watchdog_schedule(context)
    assert (request.partition_key, request.run_key) == ("2026-06-10", "alerts-2026-06-10")


TABLES = """
create schema if not exists analytics;
create table analytics.analytics_metrics (metric_name text not null, period_type text not null,
    period_start date not null, workspace_id text, value numeric);
create table analytics.daily_metrics (metric_date date not null, workspace_id text,
    total_runs bigint not null);
create table analytics.hourly_metrics (metric_hour timestamptz not null, metric_date date not null,
    workspace_id text, error_events bigint not null);
create table analytics.quality_kpis (metric_date date not null, department_id text not null,
    module text not null, overdue_capas bigint not null);
"""


def _fill(cur) -> None:
    days = [date.fromordinal(DAY.toordinal() - i) for i in range(14)]
    for i, day in enumerate(days):
        for workspace in (None, "w1"):
            cur.execute(
                "insert into analytics.analytics_metrics "
                "values ('success_rate', 'day', %s, %s, %s)",
                (day, workspace, Decimal("0.95") - Decimal(i) / 100),
            )
            # the week before DAY's 7 days had twice the runs: a fall of 50 %
            cur.execute(
                "insert into analytics.daily_metrics values (%s, %s, %s)",
                (day, workspace, 100 if i < 7 else 200),
            )
        for hour in range(24):
            cur.execute(
                "insert into analytics.hourly_metrics values (%s, %s, null, %s)",
                (datetime(day.year, day.month, day.day, hour, tzinfo=UTC), day, 30 if i else 25),
            )
        for department in ("d1", "d2"):
            cur.execute(
                "insert into analytics.quality_kpis values (%s, %s, 'CAPA', %s)",
                (day, department, 1 if (i == 0 and department == "d2") else 0),
            )


@pytest.mark.integration
def test_a_run_of_the_group_evaluates_every_example(
    empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("ANALYTICS_SMTP_HOST", raising=False)
    monkeypatch.delenv("ANALYTICS_ALERTS_DIR", raising=False)
    prepare_dagster_home()
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        with conn.cursor() as cur:
            cur.execute(TABLES)
            _fill(cur)
        for table in ("analytics_metrics", "daily_metrics", "hourly_metrics"):
            assert warehouse.isolate_workspaces(conn, f"analytics.{table}")
        conn.commit()
    assert materialize("key:alerts/alert_rules", log_level="WARNING").success
    rules = "group:alerts and not key:alerts/alert_rules"
    assert materialize(rules, as_of=DAY.isoformat(), log_level="WARNING").success

    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            "select alert_rule_id, period_start, status, metric_value, previous_value, "
            "notification_status from control.alert_history order by alert_rule_id"
        )
        rows = {row[0]: row[1:] for row in cur.fetchall()}
    week_start = date.fromordinal(DAY.toordinal() - 6)
    assert rows == {
        # 0.95 on DAY (i = 0) is not under 0.9
        "agent_success_rate_low": (DAY, "ok", Decimal("0.95"), Decimal("0.94"), "none"),
        # 7 x 100 against 7 x 200: -50 % < -30 %; no SMTP server: skipped, recorded
        "agent_runs_drop": (week_start, "triggered", Decimal(700), Decimal(1400), "skipped"),
        "no_activity": (DAY, "ok", Decimal(1), Decimal(1), "none"),
        # 24 x 25 = 600 error events > 500 (the Slack variable is unset: skipped)
        "hourly_error_events": (DAY, "triggered", Decimal(600), Decimal(720), "skipped"),
        "qms_overdue_capas": (DAY, "triggered", Decimal(1), Decimal(0), "skipped"),
    }
