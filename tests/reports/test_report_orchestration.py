"""Report orchestration against a real warehouse and real Dagster runs: the
schedule sensor (file sync, partitions, due runs with run keys, DST, interval
and manual schedules, stuck executions), a report materialized through its
family asset and read back with the csv module against a direct SQL query,
re-runs that never duplicate an execution, a failing report that keeps its
error, a manual report run from the command line, and `report verify` after a
file was tampered with and another deleted."""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
import yaml

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main as cli_main
from analytics_pipeline.commands.reports import run_report
from analytics_pipeline.dagster_instance import get_instance, prepare_dagster_home
from analytics_pipeline.reports.assets import FAMILY_PARTITIONS
from analytics_pipeline.reports.definition import parse_definition
from analytics_pipeline.reports.generation import describe_filter, reference_date
from analytics_pipeline.reports.sensors import due_runs, evaluate_report_schedules
from tests.command_line import run_cli
from tests.reports.test_delivery import EphemeralController, Mailbox

pytestmark = pytest.mark.integration

KPI = {
    "id": "kpi_daily",
    "name": "KPI daily",
    "description": "Daily active users, all workspaces",
    "report_type": "table",
    "workspace_id": None,
    "created_by": "tests@example.com",
    "configuration": {
        "data_source": "daily_metrics",
        "columns": ["metric_date", "dau", "events"],
        "filters": [{"column": "dau", "operator": ">=", "value": 2}],
        "sorting": [{"column": "metric_date", "direction": "asc"}],
        "date_range": {"relative": "last_7_days"},
    },
    "schedule": {
        "frequency": "daily",
        "time": "07:00",
        "timezone": "Europe/Berlin",
        "recipients": ["ops@example.com"],
        "formats": ["csv", "json"],
    },
}
EXPORT = {
    "id": "export_weekly",
    "name": "Weekly export",
    "report_type": "export",
    "workspace_id": "w1",
    "configuration": {
        "data_source": "daily_metrics",
        "columns": ["metric_date", "workspace_id", "dau"],
        "date_range": {"relative": "previous_week"},
    },
    "schedule": {
        "frequency": "weekly",
        "day_of_week": "monday",
        "time": "06:30",
        "timezone": "America/New_York",
        "formats": ["csv"],
    },
}
HALF_HOURLY = {
    "id": "kpi_half_hourly",
    "name": "KPI every half hour",
    "report_type": "table",
    "workspace_id": None,
    "configuration": {
        "data_source": "daily_metrics",
        "columns": ["metric_date", "dau"],
        "sorting": ["metric_date"],
    },
    "schedule": {
        "frequency": "interval",
        "interval_minutes": 30,
        "anchor": "2026-03-09T07:10:00+01:00",  # 06:10 UTC: runs at :10 and :40 UTC
        "timezone": "Europe/Berlin",
        "formats": ["csv"],
    },
}
BY_HAND = {
    "id": "kpi_by_hand",
    "name": "KPI on request",
    "report_type": "table",
    "workspace_id": None,
    "configuration": {
        "data_source": "daily_metrics",
        "columns": ["metric_date", "dau", "events"],
        "sorting": ["metric_date"],
        "date_range": {"start": "2026-03-01", "end": "2026-03-07"},
    },
    "schedule": {"frequency": "manual", "timezone": "UTC", "formats": ["csv", "json"]},
}
FIRST_DAY = date(2026, 3, 1)
DDL = """
create schema if not exists analytics;
create table analytics.daily_metrics (
    metric_date date not null, workspace_id text, dau bigint not null, events bigint not null
);
insert into analytics.daily_metrics
select d::date, w, (extract(day from d)::int % 5), extract(day from d)::int * 10
from generate_series(date '2026-03-01', date '2026-04-10', interval '1 day') as d,
     (values (null), ('w1'), ('w2')) as ws(w);
"""


def _connect():
    # As the pipeline writes and reads its tables (the reader gets what it creates).
    return psycopg2.connect(
        **warehouse.libpq_params(warehouse.warehouse_url(warehouse.Role.TRANSFORMER))
    )


@pytest.fixture
def reports_env(empty_database, tmp_path, monkeypatch):
    directory = tmp_path / "reports"
    directory.mkdir()
    for record in (KPI, EXPORT):
        (directory / f"{record['id']}.yml").write_text(yaml.safe_dump(record, sort_keys=False))
    monkeypatch.setenv("ANALYTICS_REPORTS_DIR", str(directory))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("ANALYTICS_SMTP_HOST", raising=False)
    prepare_dagster_home()
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(DDL)
    return directory


@pytest.fixture
def more_reports_env(reports_env: Path) -> Path:
    """reports_env with an interval and a manual report besides."""
    for record in (HALF_HOURLY, BY_HAND):
        (reports_env / f"{record['id']}.yml").write_text(yaml.safe_dump(record, sort_keys=False))
    return reports_env


def _tick(cursor: str | None, now: datetime) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=get_instance(), cursor=cursor)
    return evaluate_report_schedules(context, now)


def _apply_partitions(result: dg.SensorResult) -> None:
    for request in result.dynamic_partitions_requests or []:
        get_instance().add_dynamic_partitions(request.partitions_def_name, request.partition_keys)


# -- due runs (pure) -----------------------------------------------------------


def test_due_runs_follow_berlin_wall_clock_across_the_dst_change():
    kpi = parse_definition(KPI)
    # 07:00 Berlin is 06:00 UTC before 29 March 2026 and 05:00 UTC after.
    before = due_runs(
        [kpi], datetime(2026, 3, 28, 5, 59, tzinfo=UTC), datetime(2026, 3, 28, 6, 1, tzinfo=UTC)
    )
    after = due_runs(
        [kpi], datetime(2026, 3, 29, 4, 59, tzinfo=UTC), datetime(2026, 3, 29, 5, 1, tzinfo=UTC)
    )
    assert [r.scheduled_for for r in before] == [datetime(2026, 3, 28, 6, tzinfo=UTC)]
    assert [r.scheduled_for for r in after] == [datetime(2026, 3, 29, 5, tzinfo=UTC)]
    assert before[0].run_key == "kpi_daily|2026-03-28T06:00:00+00:00"
    # An hour later nothing new is due; the day after, the next run is.
    assert (
        due_runs(
            [kpi], datetime(2026, 3, 29, 5, 1, tzinfo=UTC), datetime(2026, 3, 29, 6, 1, tzinfo=UTC)
        )
        == []
    )


def test_due_runs_catch_up_only_the_latest_missed_time_within_a_day():
    kpi = parse_definition(KPI)
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    # Down for five days: one run, for today's 07:00 Berlin (06:00 UTC).
    runs = due_runs([kpi], now - timedelta(days=5), now)
    assert [r.scheduled_for for r in runs] == [datetime(2026, 3, 20, 6, tzinfo=UTC)]
    # First tick ever: the same window of CATCH_UP.
    assert due_runs([kpi], None, now) == runs
    assert due_runs([kpi], None, datetime(2026, 3, 20, 5, 59, tzinfo=UTC))[0].scheduled_for == (
        datetime(2026, 3, 19, 6, tzinfo=UTC)
    )


def test_inactive_and_unscheduled_definitions_never_run():
    inactive = parse_definition({**KPI, "is_active": False})
    by_hand = parse_definition({**KPI, "schedule": None})
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    assert due_runs([inactive, by_hand], None, now) == []


def test_due_runs_of_an_interval_report_and_never_of_a_manual_one():
    half_hourly, by_hand = parse_definition(HALF_HOURLY), parse_definition(BY_HAND)
    now = datetime(2026, 3, 9, 6, 5, tzinfo=UTC)
    # First tick: the latest half hour of the last day, 05:40 UTC.
    runs = due_runs([half_hourly, by_hand], None, now)
    assert [(r.definition.id, r.scheduled_for) for r in runs] == [
        ("kpi_half_hourly", datetime(2026, 3, 9, 5, 40, tzinfo=UTC))
    ]
    assert runs[0].run_key == "kpi_half_hourly|2026-03-09T05:40:00+00:00"
    # (06:05, 06:10]: 06:10 itself; (06:10, 06:39]: nothing; over the DST change
    # in Berlin (29 March, 01:00 UTC) the stride stays 30 minutes of UTC.
    assert [r.scheduled_for for r in due_runs([half_hourly], now, now + timedelta(minutes=5))] == [
        datetime(2026, 3, 9, 6, 10, tzinfo=UTC)
    ]
    assert due_runs([half_hourly], now + timedelta(minutes=5), now + timedelta(minutes=34)) == []
    assert [
        r.scheduled_for
        for r in due_runs(
            [half_hourly],
            datetime(2026, 3, 29, 0, 50, tzinfo=UTC),
            datetime(2026, 3, 29, 1, 10, tzinfo=UTC),
        )
    ] == [datetime(2026, 3, 29, 1, 10, tzinfo=UTC)]
    assert (
        due_runs([by_hand], datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
        == []
    )


def test_reference_date_is_the_schedule_time_zone_date_and_filters_read_plainly():
    export = parse_definition(EXPORT)
    # Monday 06:30 in New York is 10:30 UTC; 01:00 UTC Tuesday is still Monday there.
    assert reference_date(export, datetime(2026, 3, 10, 1, tzinfo=UTC)) == date(2026, 3, 9)
    assert describe_filter(parse_definition(KPI).configuration.filters[0]) == "dau >= 2"


# -- the sensor against the warehouse and a Dagster instance -------------------


def test_sensor_syncs_files_registers_partitions_and_requests_due_runs(reports_env: Path):
    now = datetime(2026, 3, 9, 6, 5, tzinfo=UTC)  # Monday 07:05 Berlin, 02:05 New York
    first = _tick(None, now)
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("select id, report_type from control.report_definitions order by id")
        assert cur.fetchall() == [("export_weekly", "export"), ("kpi_daily", "table")]
    added = {
        r.partitions_def_name: list(r.partition_keys) for r in first.dynamic_partitions_requests
    }
    assert added == {"report_table": ["kpi_daily"], "report_export": ["export_weekly"]}
    # Due within the last day: kpi at 06:00 UTC today; the weekly export is next due
    # Monday 06:30 New York = 10:30 UTC, later today.
    assert [(r.partition_key, r.run_key) for r in first.run_requests] == [
        ("kpi_daily", "kpi_daily|2026-03-09T06:00:00+00:00")
    ]
    request = first.run_requests[0]
    assert request.asset_selection == [dg.AssetKey(["reports", "table"])]
    assert request.run_config["ops"]["reports__table"]["config"] == {
        "scheduled_for": "2026-03-09T06:00:00+00:00"
    }
    _apply_partitions(first)

    second = _tick(first.cursor, now + timedelta(minutes=1))
    assert second.run_requests == [] and second.dynamic_partitions_requests == []
    third = _tick(second.cursor, datetime(2026, 3, 9, 10, 31, tzinfo=UTC))
    assert [r.run_key for r in third.run_requests] == ["export_weekly|2026-03-09T10:30:00+00:00"]

    # A definition added directly in the table becomes a partition on the next tick.
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(
            "insert into control.report_definitions (id, name, report_type, configuration, "
            "workspace_id) select 'kpi_copy', 'Copy', 'chart', "
            'configuration || \'{"chart_type": "line", "chart_x": "metric_date", '
            '"chart_y": ["dau"]}\', null '
            "from control.report_definitions where id = 'kpi_daily'"
        )
    fourth = _tick(third.cursor, datetime(2026, 3, 9, 10, 32, tzinfo=UTC))
    assert [
        (r.partitions_def_name, list(r.partition_keys)) for r in fourth.dynamic_partitions_requests
    ] == [("report_chart", ["kpi_copy"])]


def test_a_due_run_rendered_already_is_not_requested_again(reports_env: Path):
    """The demo (or `report run`) rendered the report for its due time before the
    sensor's first tick: starting the UI must not render it again."""
    _apply_partitions(_tick(None, datetime(2026, 3, 9, 5, 0, tzinfo=UTC)))
    due = "2026-03-09T07:00:00+01:00"  # kpi_daily, 06:00 UTC
    assert run_report("kpi_daily", scheduled_for=due).success
    first_tick_after = _tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC))
    assert first_tick_after.run_requests == []
    # One format missing (e.g. added to the schedule since): the run is requested.
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("delete from control.report_executions where format = 'json'")
    again = _tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC))
    assert [r.run_key for r in again.run_requests] == ["kpi_daily|2026-03-09T06:00:00+00:00"]


def test_sensor_runs_interval_reports_when_due_and_manual_ones_never(more_reports_env: Path):
    now = datetime(2026, 3, 9, 6, 5, tzinfo=UTC)
    first = _tick(None, now)
    _apply_partitions(first)
    # The manual report is a partition (so it can be run by hand), but never requested.
    # (The instance is the session's: other tests' reports may be partitions too.)
    assert {"kpi_by_hand", "kpi_daily", "kpi_half_hourly"} <= set(
        get_instance().get_dynamic_partitions("report_table")
    )
    assert sorted(r.run_key for r in first.run_requests) == [
        "kpi_daily|2026-03-09T06:00:00+00:00",
        "kpi_half_hourly|2026-03-09T05:40:00+00:00",
    ]
    interval = next(r for r in first.run_requests if r.partition_key == "kpi_half_hourly")
    assert interval.run_config["ops"]["reports__table"]["config"] == {
        "scheduled_for": "2026-03-09T05:40:00+00:00"
    }
    # A tick every 10 minutes for 4 hours: each half hour once, at its own time.
    cursor, requested = first.cursor, []
    for step in range(1, 25):
        result = _tick(cursor, now + timedelta(minutes=10 * step))
        requested += [r.run_key for r in result.run_requests]
        cursor = result.cursor
    assert requested == [
        f"kpi_half_hourly|2026-03-09T{hour:02d}:{minute:02d}:00+00:00"
        for hour in range(6, 10)
        for minute in (10, 40)
    ]


def test_sensor_marks_stuck_executions_failed(reports_env: Path):
    _tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC))  # creates the tables
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(
            "insert into control.report_executions (report_id, scheduled_for, format, status, "
            "attempts, started_at) values ('kpi_daily', '2026-03-08 06:00+00', 'csv', 'running', "
            "1, now() - interval '2 hours'), ('kpi_daily', '2026-03-09 06:00+00', 'csv', "
            "'running', 1, now() - interval '5 minutes')"
        )
    _tick(None, datetime.now(UTC))
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(
            "select scheduled_for::date, status, error_message like 'stuck:%%' "
            "from control.report_executions order by scheduled_for"
        )
        assert cur.fetchall() == [
            (date(2026, 3, 8), "failed", True),
            (date(2026, 3, 9), "running", None),
        ]


def _waiting(result: dg.SensorResult) -> list[tuple[str, str]]:
    return [(w["id"], w["scheduled_for"]) for w in json.loads(result.cursor)["waiting"]]


def test_a_due_run_waits_for_its_data_and_runs_once_it_arrived(reports_env: Path):
    """daily_metrics ends 2026-04-10: kpi_daily (last 7 days) on 2026-04-20
    needs 2026-04-13..19, so it waits; when the days arrive it runs, for the
    time it was scheduled for."""
    now = datetime(2026, 4, 20, 5, 30, tzinfo=UTC)  # 07:30 Berlin (CEST); due at 05:00 UTC
    first = _tick(None, now)
    assert first.run_requests == []
    assert _waiting(first) == [("kpi_daily", "2026-04-20T05:00:00+00:00")]
    second = _tick(first.cursor, now + timedelta(minutes=1))
    assert second.run_requests == [] and _waiting(second) == _waiting(first)

    with _connect() as conn, conn.cursor() as cur:  # the days up to yesterday land
        cur.execute(
            "insert into analytics.daily_metrics select d::date, null, 3, 30 "
            "from generate_series(date '2026-04-11', date '2026-04-19', interval '1 day') d"
        )
    third = _tick(second.cursor, now + timedelta(minutes=2))
    assert [r.run_key for r in third.run_requests] == ["kpi_daily|2026-04-20T05:00:00+00:00"]
    assert third.run_requests[0].run_config["ops"]["reports__table"]["config"] == {
        "scheduled_for": "2026-04-20T05:00:00+00:00"
    }
    assert _waiting(third) == []
    assert _tick(third.cursor, now + timedelta(minutes=3)).run_requests == []


def test_a_run_whose_data_never_arrives_is_dropped_after_a_week(reports_env: Path):
    now = datetime(2026, 4, 20, 5, 30, tzinfo=UTC)
    first = _tick(None, now)
    assert _waiting(first) == [("kpi_daily", "2026-04-20T05:00:00+00:00")]
    cursor = first.cursor
    for day in range(1, 9):  # one tick a day: each day's run waits as well
        result = _tick(cursor, now + timedelta(days=day))
        assert result.run_requests == []
        cursor = result.cursor
    waiting = _waiting(result)
    # Given up 7 days after their scheduled time; the later ones still wait.
    assert ("kpi_daily", "2026-04-20T05:00:00+00:00") not in waiting
    assert ("kpi_daily", "2026-04-21T05:00:00+00:00") not in waiting  # 7 days 30 min ago
    assert ("kpi_daily", "2026-04-22T05:00:00+00:00") in waiting  # 6 days 30 min ago
    assert ("kpi_daily", "2026-04-28T05:00:00+00:00") in waiting


def test_a_report_on_a_source_not_built_yet_waits(reports_env: Path):
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("drop table analytics.daily_metrics")
    result = _tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC))
    assert result.run_requests == []
    assert _waiting(result) == [("kpi_daily", "2026-03-09T06:00:00+00:00")]


# -- materializing through the family asset ---------------------------------


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_report_run_renders_records_and_never_duplicates(reports_env: Path):
    _apply_partitions(_tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC)))
    scheduled = "2026-03-20T07:00:00+01:00"
    outcome = run_report("kpi_daily", scheduled_for=scheduled)
    assert outcome.success, outcome.message

    with _connect() as conn, conn.cursor() as cur:
        # Direct SQL: last_7_days of the Berlin date 2026-03-20 is 13..19 March.
        cur.execute(
            "select metric_date::text, dau::text, events::text from analytics.daily_metrics "
            "where workspace_id is null and metric_date between '2026-03-13' and '2026-03-19' "
            "and dau >= 2 order by metric_date"
        )
        expected = [list(row) for row in cur.fetchall()]
        cur.execute(
            "select format, status, record_count, file_path, sha256, delivery_status, "
            "delivery_error, attempts, executed_by from control.report_executions "
            "order by format"
        )
        executions = cur.fetchall()
    assert len(expected) == 5  # dau = day % 5 on 13..19 March: 3 4 0 1 2 3 4
    assert [e[:3] for e in executions] == [("csv", "completed", 5), ("json", "completed", 5)]
    csv_path = Path(executions[0][3])
    home = Path(os.environ["ANALYTICS_HOME"])
    assert csv_path == home / "reports" / "kpi_daily" / "kpi_daily_20260320T060000Z.csv"
    rows = _csv_rows(csv_path)
    assert rows[0] == ["metric_date", "dau", "events"]
    assert rows[1:] == expected
    assert {e[5] for e in executions} == {"skipped"}
    assert all("ANALYTICS_SMTP_HOST" in e[6] for e in executions)
    assert all(e[8].startswith("cli (dagster run ") for e in executions)

    instance = get_instance()
    event = instance.get_latest_materialization_event(dg.AssetKey(["reports", "table"]))
    metadata = event.asset_materialization.metadata
    assert event.asset_materialization.partition == "kpi_daily"
    assert metadata["csv_path"].value == str(csv_path)
    assert metadata["csv_rows"].value == 5
    assert metadata["csv_size_bytes"].value == csv_path.stat().st_size
    assert "| metric_date | dau | events |" in metadata["preview"].value

    # Again for the same time: nothing is rendered twice, the run still succeeds.
    again = run_report("kpi_daily", scheduled_for=scheduled)
    assert again.success
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("select count(*), max(attempts) from control.report_executions")
        assert cur.fetchone() == (2, 1)


def test_a_failing_report_keeps_its_error_and_the_others_still_run(reports_env: Path):
    _apply_partitions(_tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC)))
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("alter table analytics.daily_metrics rename column events to event_count")
    failed = run_report("kpi_daily", formats=["csv"], scheduled_for="2026-03-20T06:00:00+00:00")
    assert not failed.success
    assert "events" in failed.message
    done = run_report("export_weekly", scheduled_for="2026-03-16T06:30:00-04:00")
    assert done.success, done.message
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(
            "select report_id, status, record_count, error_message from control.report_executions "
            "order by report_id"
        )
        (export, kpi) = cur.fetchall()
    assert export[:3] == ("export_weekly", "completed", 7)  # previous week: 7 days of w1
    assert kpi[:2] == ("kpi_daily", "failed") and "events" in kpi[3]
    # The failure is retried on the same row once the table is fixed.
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("alter table analytics.daily_metrics rename column event_count to events")
    retried = run_report("kpi_daily", formats=["csv"], scheduled_for="2026-03-20T06:00:00+00:00")
    assert retried.success, retried.message
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(
            "select status, attempts, error_message from control.report_executions "
            "where report_id = 'kpi_daily'"
        )
        assert cur.fetchall() == [("completed", 2, None)]


def test_partitions_are_per_family():
    assert {name: p.name for name, p in FAMILY_PARTITIONS.items()} == {
        "table": "report_table",
        "chart": "report_chart",
        "dashboard": "report_dashboard",
        "export": "report_export",
    }


def test_completed_files_are_mailed_to_the_recipients(reports_env: Path, monkeypatch):
    mailbox = Mailbox()
    controller = EphemeralController(mailbox, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        monkeypatch.setenv("ANALYTICS_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ANALYTICS_SMTP_PORT", str(controller.port))
        monkeypatch.setenv("ANALYTICS_SMTP_FROM", "reports@example.org")
        _apply_partitions(_tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC)))
        outcome = run_report("kpi_daily", scheduled_for="2026-03-20T06:00:00+00:00")
        assert outcome.success, outcome.message
    finally:
        controller.stop()
    assert len(mailbox.messages) == 1
    envelope = mailbox.messages[0]
    assert envelope.rcpt_tos == ["ops@example.com"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(
            "select file_path, delivery_status, delivery_error, recipients "
            "from control.report_executions order by format"
        )
        rows = cur.fetchall()
    assert [r[1:] for r in rows] == [("sent", None, ["ops@example.com"])] * 2
    for path, *_ in rows:
        content = attached[Path(path).name]
        data = content if isinstance(content, bytes) else content.encode()
        assert data == Path(path).read_bytes()


# -- manual reports from the command line, and verifying the files ---------------


def _executions(report_id: str) -> list[tuple]:
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(
            "select format, status, record_count, file_path, file_size, sha256, executed_by "
            "from control.report_executions where report_id = %s order by format",
            (report_id,),
        )
        return cur.fetchall()


def test_report_run_of_a_manual_report_records_its_executions(more_reports_env: Path):
    _apply_partitions(_tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC)))
    result = run_cli("report", "run", "kpi_by_hand", "--scheduled-for", "2026-03-10T09:00:00Z")
    assert result.returncode == 0, result.stdout + result.stderr
    home = Path(os.environ["ANALYTICS_HOME"])
    stem = home / "reports" / "kpi_by_hand" / "kpi_by_hand_20260310T090000Z"
    executions = _executions("kpi_by_hand")
    # 1..7 March, the all-workspaces rows: 7 days.
    assert [e[:4] for e in executions] == [
        ("csv", "completed", 7, f"{stem}.csv"),
        ("json", "completed", 7, f"{stem}.json"),
    ]
    for _fmt, _status, _rows, path, size, sha256, executed_by in executions:
        data = Path(path).read_bytes()
        assert (size, sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert executed_by.startswith("cli (dagster run ")
    assert result.stdout.splitlines() == [
        f"csv   {stem}.csv  (7 rows, {executions[0][4]} bytes)",
        f"json  {stem}.json  (7 rows, {executions[1][4]} bytes)",
        "done: kpi_by_hand for 2026-03-10T09:00:00+00:00",
    ]
    rows = _csv_rows(Path(f"{stem}.csv"))
    assert rows[0] == ["metric_date", "dau", "events"]
    assert [row[0] for row in rows[1:]] == [f"2026-03-0{day}" for day in range(1, 8)]
    # Run by hand, it is still never due: the sensor requests nothing for it.
    later = _tick(None, datetime(2026, 3, 10, 9, 1, tzinfo=UTC))
    assert "kpi_by_hand" not in {r.partition_key for r in later.run_requests}


def _verify(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """`analytics-pipeline report verify ARGS` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = cli_main(["report", "verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_verify_says_ok_changed_and_missing(more_reports_env: Path, capsys):
    _apply_partitions(_tick(None, datetime(2026, 3, 9, 6, 5, tzinfo=UTC)))
    assert run_report("kpi_by_hand", scheduled_for="2026-03-10T09:00:00+00:00").success
    assert run_report("kpi_daily", scheduled_for="2026-03-20T06:00:00+00:00").success

    code, out, _ = _verify(capsys)
    assert code == 0, out
    assert out.splitlines()[-1] == "4 files of any report: 4 OK, 0 CHANGED, 0 MISSING"

    by_hand, daily = _executions("kpi_by_hand"), _executions("kpi_daily")
    tampered, deleted = Path(daily[0][3]), Path(by_hand[1][3])  # kpi_daily csv, kpi_by_hand json
    tampered.write_bytes(tampered.read_bytes() + b"2026-03-19,9,99\n")
    deleted.unlink()
    new_sha = hashlib.sha256(tampered.read_bytes()).hexdigest()

    code, out, err = _verify(capsys)
    assert (code, err) == (1, "")
    by_hand_time, daily_time = "2026-03-10T09:00:00+00:00", "2026-03-20T06:00:00+00:00"
    assert out.splitlines() == [
        f"OK       {'kpi_by_hand':32} csv   {by_hand_time}  {by_hand[0][3]}",
        f"MISSING  {'kpi_by_hand':32} json  {by_hand_time}  {deleted}  (no such file)",
        f"CHANGED  {'kpi_daily':32} csv   {daily_time}  {tampered}  "
        f"(size {daily[0][4] + 16} bytes, recorded {daily[0][4]}; "
        f"sha256 {new_sha[:12]}…, recorded {daily[0][5][:12]}…)",
        f"OK       {'kpi_daily':32} json  {daily_time}  {daily[1][3]}",
        "4 files of any report: 2 OK, 1 CHANGED, 1 MISSING",
    ]

    code, out, _ = _verify(capsys, "kpi_by_hand")
    assert (code, out.splitlines()[-1]) == (
        1,
        "2 files of report 'kpi_by_hand': 1 OK, 0 CHANGED, 1 MISSING",
    )
    assert _verify(capsys, "export_weekly") == (
        0,
        "no completed executions of report 'export_weekly': nothing to verify\n",
        "",
    )
    assert _verify(capsys, "no_such_report") == (
        2,
        "",
        "error: no report 'no_such_report' in control.report_definitions\n",
    )
