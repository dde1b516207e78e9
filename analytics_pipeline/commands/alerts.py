"""`analytics-pipeline alerts ...`: sync the rule files, list the rules with
their state, test a rule (measure it and send a test notification through
its channels, recording nothing), acknowledge an evaluation, show the
history. Evaluation itself runs in Dagster (the daily and hourly jobs, the
watchdog schedule, or `materialize --select group:alerts --as-of D`)."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, date, datetime

from analytics_pipeline import warehouse
from analytics_pipeline.alerts.control import (
    acknowledge,
    active_alert_rule,
    read_alert_rules,
    read_history,
    sync_alert_rules,
)
from analytics_pipeline.alerts.definition import load_alert_rule_files
from analytics_pipeline.alerts.evaluation import measure_rule, rule_window
from analytics_pipeline.alerts.notify import Alert, ChannelOutcome, body_text, send_all
from analytics_pipeline.reports.control import transaction
from analytics_pipeline.settings import SmtpSettings, get_settings

Say = Callable[[str], None]


def sync_rule_files() -> str:
    """alerts/*.yml -> control.alert_rules; the first bad file raises before
    anything is written."""
    rules = load_alert_rule_files(get_settings().alert_rules_dir)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        result = sync_alert_rules(conn, rules)
    return (
        f"inserted: {len(result.inserted)}, updated: {len(result.updated)}, "
        f"unchanged: {len(result.unchanged)}"
    )


def list_rules(say: Say = print) -> int:
    """Print the active rules: condition, severity, state, triggers."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        valid, invalid = read_alert_rules(conn)
        with transaction(conn) as cur:
            cur.execute(
                "select r.id, r.last_triggered_at, r.trigger_count, ("
                "  select h.status from control.alert_history h where h.alert_rule_id = r.id"
                "  and h.status <> 'no_data' order by h.period_end desc, h.id desc limit 1"
                ") from control.alert_rules r"
            )
            state = {row[0]: row[1:] for row in cur.fetchall()}
    say(
        f"{'id':28} {'severity':9} {'condition':17} {'threshold':>10} {'state':10} "
        f"{'triggers':>8}  last triggered (UTC)"
    )
    for rule in valid:
        last, count, status = state.get(rule.id, (None, 0, None))
        firing = "FIRING" if status in ("triggered", "firing") else "ok" if status else "-"
        threshold = "-" if rule.threshold is None else str(rule.threshold)
        when = last.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if last else "never"
        say(
            f"{rule.id:28} {rule.severity:9} {rule.condition:17} {threshold:>10} {firing:10} "
            f"{count:>8}  {when}"
        )
    for row in invalid:
        say(f"{row.id:28} INVALID: {row.error}")
    return len(valid)


def test_rule(
    rule_id: str, as_of: date | None, send: bool, say: Say = print
) -> list[ChannelOutcome]:
    """Measure the rule for the window ending `as_of` (default: yesterday,
    UTC), say what it would decide, and (with `send`) send a test notification
    through every channel. Nothing is recorded."""
    day = as_of or date.fromordinal(datetime.now(UTC).date().toordinal() - 1)
    with (
        warehouse.connect(warehouse.Role.TRANSFORMER) as conn,
        warehouse.connect(warehouse.Role.READER) as reader,
    ):
        rule = active_alert_rule(conn, rule_id)
        measured, holds, why_not = measure_rule(reader, rule, day)
    start, end = rule_window(rule, day)
    verdict = {True: "condition TRUE", False: "condition false", None: "cannot judge"}[holds]
    alert = Alert(
        event="test",
        rule=rule,
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        metric_value=measured.value,
        previous_value=measured.previous,
        change_percent=measured.change_percent,
        row_count=measured.row_count,
        evaluated_at=datetime.now(UTC),
        detail=f"Verdict: {verdict}" + (f" ({why_not})" if why_not else ""),
    )
    for line in body_text(alert).splitlines():
        say(line)
    if not send:
        return []
    outcomes = send_all(rule.channels, alert, SmtpSettings.from_env())
    for outcome in outcomes:
        say(
            f"{outcome.channel:8} {outcome.target}: {outcome.status}"
            + (f" ({outcome.error})" if outcome.error else "")
        )
    return outcomes


def acknowledge_evaluation(history_id: int, note: str | None, by: str | None) -> str:
    who = by or getpass.getuser()
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        row = acknowledge(conn, history_id, who, note)
    return (
        f"acknowledged {row.id} ({row.alert_rule_id}, {row.status} for {row.period_end}) "
        f"by {row.acknowledged_by} at {row.acknowledged_at:%Y-%m-%d %H:%M:%S %Z}"
    )


def show_history(rule_id: str | None, limit: int, say: Say = print) -> int:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        rows = read_history(conn, rule_id, limit)
    say(
        f"{'id':>6} {'rule':28} {'period end':10} {'status':9} {'value':>14} "
        f"{'notified':10} acknowledged"
    )
    for row in rows:
        value = "-" if row.metric_value is None else f"{row.metric_value:.6g}"
        ack = f"{row.acknowledged_by}: {row.notes or ''}" if row.acknowledged_by else "-"
        say(
            f"{row.id:>6} {row.alert_rule_id:28} {row.period_end.isoformat():10} "
            f"{row.status:9} {value:>14} {row.notification_status:10} {ack}"
        )
    return len(rows)
