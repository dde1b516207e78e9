"""An alert's life through real Dagster runs of `alerts/defined_in_table`
against a real warehouse, with a local SMTP server and a local HTTP server
receiving the notifications:

- a workspace's runs cross the threshold on a known day (triggered: one
  e-mail, one Slack message, one webhook call; a channel answering 500 is
  retried, recorded as failed and blocks none of the others);
- stay over it the next day (firing: the cooldown sends nothing);
- clear the day after (resolved: notified once);
- the table has no row the last day: the `missing` rule fires;
- the same day judged again notifies nobody; an older day judged after a
  newer one (a backfill) notifies nobody and moves no counter;
- `alerts ack` records who acknowledged and why; `alerts list` shows the state.

The published table is written here (a daily_metrics of the project's shape
under workspace row-level security), so the days' values are known exactly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.alerts.control import ensure_alert_tables, sync_alert_rules
from analytics_pipeline.alerts.definition import parse_alert_rule
from analytics_pipeline.cli import main
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.dagster_instance import prepare_dagster_home
from tests.reports.test_delivery import EphemeralController, Mailbox, parse

pytestmark = pytest.mark.integration

FIRST = date(2026, 5, 1)
DAYS = [FIRST + timedelta(days=i) for i in range(5)]
# ws_a's runs per day: under, over, over, under, and no row on the fifth day.
RUNS_A = {DAYS[0]: 3, DAYS[1]: 12, DAYS[2]: 15, DAYS[3]: 4}
RUNS_B = 1000  # another workspace, always far over: must not leak into ws_a's rule


class Hooks(BaseHTTPRequestHandler):
    """Keeps every JSON body POSTed per path; /broken answers 500."""

    received: dict[str, list[dict]] = {}

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.setdefault(self.path, []).append(body)
        self.send_response(500 if self.path == "/broken" else 200)
        self.end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Mailbox, dict, str]]:
    mailbox = Mailbox()
    smtp = EphemeralController(mailbox, hostname="127.0.0.1", port=0, server_hostname="smtp.test")
    smtp.start()
    Hooks.received = {}
    http = ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{http.server_address[1]}"
    monkeypatch.setenv("ANALYTICS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ANALYTICS_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("ANALYTICS_SMTP_FROM", "alerts@example.org")
    monkeypatch.setenv("TEST_SLACK_URL", f"{base}/slack")
    try:
        yield mailbox, Hooks.received, base
    finally:
        http.shutdown()
        smtp.stop()


def _rules(base: str) -> list[dict]:
    metric = {"data_source": "daily_metrics", "function": "sum", "column": "total_runs"}
    return [
        {
            "id": "runs_high",
            "name": "Runs over 10",
            "workspace_id": "ws_a",
            "metric": {**metric, "format": "integer"},
            "condition": "greater_than",
            "threshold": 10,
            "window_days": 1,
            "cooldown_minutes": 1440,
            "severity": "critical",
            "channels": [
                {"type": "email", "recipients": ["oncall@example.org"]},
                {"type": "slack", "url_env": "TEST_SLACK_URL"},
                {"type": "webhook", "url": f"{base}/broken"},
                {"type": "webhook", "url": f"{base}/hook"},
            ],
        },
        {
            "id": "runs_missing",
            "name": "No daily row",
            "workspace_id": "ws_a",
            "metric": {"data_source": "daily_metrics", "function": "count"},
            "condition": "missing",
            "channels": [{"type": "webhook", "url": f"{base}/missing"}],
        },
    ]


@pytest.fixture
def scenario(empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers):
    mailbox, received, base = servers
    rules_dir = tmp_path / "alerts"  # no files: the rules live in the table only
    rules_dir.mkdir()
    monkeypatch.setenv("ANALYTICS_ALERTS_DIR", str(rules_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    prepare_dagster_home()
    rows = [(day, "ws_a", runs) for day, runs in RUNS_A.items()]
    rows += [(day, "ws_b", RUNS_B) for day in DAYS]
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        with conn.cursor() as cur:
            cur.execute(
                "create schema if not exists analytics; create table analytics.daily_metrics "
                "(metric_date date not null, workspace_id text, total_runs bigint not null)"
            )
            cur.executemany("insert into analytics.daily_metrics values (%s, %s, %s)", rows)
        assert warehouse.isolate_workspaces(conn, "analytics.daily_metrics")
        conn.commit()
        ensure_alert_tables(conn)
        sync_alert_rules(conn, [parse_alert_rule(rule) for rule in _rules(base)])
    return mailbox, received


def _evaluate(day: date) -> None:
    result = materialize("key:alerts/defined_in_table", as_of=day.isoformat(), log_level="WARNING")
    assert result.success


def _history(rule_id: str) -> list[tuple]:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            "select period_end, status, metric_value, threshold_value, notification_status, "
            "notifications_sent from control.alert_history where alert_rule_id = %s order by id",
            (rule_id,),
        )
        return cur.fetchall()


def _rule_state(rule_id: str) -> tuple:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            "select trigger_count, last_triggered_at is not null from control.alert_rules "
            "where id = %s",
            (rule_id,),
        )
        return cur.fetchone()


def test_trigger_cooldown_resolve_and_missing(scenario, capsys) -> None:
    mailbox, received = scenario
    for day in DAYS:
        _evaluate(day)

    high = _history("runs_high")
    assert [(row[0], row[1], row[2], row[4]) for row in high] == [
        (DAYS[0], "ok", Decimal(3), "none"),
        (DAYS[1], "triggered", Decimal(12), "partial"),  # the broken hook failed
        (DAYS[2], "firing", Decimal(15), "suppressed"),  # within the cooldown
        (DAYS[3], "resolved", Decimal(4), "partial"),
        (DAYS[4], "no_data", None, "none"),  # no row: a greater_than cannot judge
    ]
    assert {row[3] for row in high} == {Decimal(10)}
    channels = [(n["channel"], n["status"], n["attempts"]) for n in high[1][5]]
    assert channels == [
        ("email", "sent", 1),
        ("slack", "sent", 1),
        ("webhook", "failed", 3),
        ("webhook", "sent", 1),
    ]
    assert "HTTP 500" in high[1][5][2]["error"]
    assert _rule_state("runs_high") == (1, True)

    subjects = [parse(envelope)["Subject"] for envelope in mailbox.messages]
    assert subjects == [
        "[TRIGGERED critical] Runs over 10 (workspace ws_a)",
        "[RESOLVED critical] Runs over 10 (workspace ws_a)",
    ]
    assert [m.rcpt_tos for m in mailbox.messages] == [["oncall@example.org"]] * 2
    first_mail = parse(mailbox.messages[0]).get_content()
    assert "Value: 12 (1 rows)" in first_mail and "Window: 2026-05-02" in first_mail
    assert [body["text"] for body in received["/slack"]] == subjects
    hooks = received["/hook"]
    assert [(h["event"], h["period_end"], h["metric_value"], h["threshold"]) for h in hooks] == [
        ("alert.triggered", "2026-05-02", "12", "10"),
        ("alert.resolved", "2026-05-04", "4", "10"),
    ]
    assert len(received["/broken"]) == 2 * 3  # two notifications, three attempts each

    missing = _history("runs_missing")
    assert [(row[0], row[1], row[2]) for row in missing] == [
        *((day, "ok", Decimal(1)) for day in DAYS[:4]),
        (DAYS[4], "triggered", None),  # no row at all
    ]
    assert [(h["event"], h["period_end"], h["row_count"]) for h in received["/missing"]] == [
        ("alert.triggered", "2026-05-05", 0)
    ]

    # the watchdog judging the last day again, and a backfill of an older day
    _evaluate(DAYS[4])
    _evaluate(DAYS[1])
    high = _history("runs_high")
    missing = _history("runs_missing")
    assert [(row[0], row[1], row[4]) for row in high[5:]] == [
        (DAYS[4], "no_data", "none"),
        (DAYS[1], "firing", "suppressed"),  # judged as of its day; nobody paged
    ]
    assert [(row[0], row[1], row[4]) for row in missing[5:]] == [
        (DAYS[4], "firing", "suppressed"),
        (DAYS[1], "ok", "none"),
    ]
    assert _rule_state("runs_high") == (1, True)
    assert len(mailbox.messages) == 2 and len(received["/missing"]) == 1

    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            "select id from control.alert_history where alert_rule_id = 'runs_missing' "
            "and status = 'triggered'"
        )
        (history_id,) = cur.fetchone()
    capsys.readouterr()
    assert main(["alerts", "ack", str(history_id), "--note", "feed paused", "--by", "ana"]) == 0
    assert f"acknowledged {history_id} (runs_missing, triggered for 2026-05-05) by ana" in (
        capsys.readouterr().out
    )
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            "select acknowledged_by, notes, acknowledged_at is not null "
            "from control.alert_history where id = %s",
            (history_id,),
        )
        assert cur.fetchone() == ("ana", "feed paused", True)
    assert main(["alerts", "ack", "999999"]) == 2
    assert main(["alerts", "list"]) == 0
    listing = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert listing["runs_missing"][4:6] == ["FIRING", "1"]
    assert listing["runs_high"][4:6] == ["ok", "1"]


def test_a_rule_is_tested_without_recording(scenario, capsys) -> None:
    mailbox, received = scenario
    code = main(["alerts", "test", "runs_high", "--as-of", "2026-05-03"])
    out = capsys.readouterr().out
    assert code == 1, out  # the broken hook failed: the test says so
    assert "Value: 15 (1 rows)" in out and "Verdict: condition TRUE" in out
    assert "webhook  http://127.0.0.1" in out and "failed (HTTP 500" in out
    assert [parse(m)["Subject"] for m in mailbox.messages] == [
        "[TEST critical] Runs over 10 (workspace ws_a)"
    ]
    assert [body["event"] for body in received["/hook"]] == ["alert.test"]
    assert main(["alerts", "test", "runs_missing", "--as-of", "2026-05-05", "--no-send"]) == 0
    assert "Verdict: condition TRUE" in capsys.readouterr().out
    assert "/missing" not in received
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from control.alert_history")
        assert cur.fetchone() == (0,)
