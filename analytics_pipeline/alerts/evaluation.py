"""Evaluating an alert rule for the period ending on one day: measure the
metric (as a dashboard metric card does, on the reader role), judge the
condition against the rule's state, record the evaluation in
control.alert_history and notify.

The state of a rule is its newest judged evaluation (by period end, then
time; `no_data` rows judge nothing): firing after `triggered` or `firing`,
quiet after `resolved` or `ok` or before any. From there:

- the condition becomes true: `triggered`, notified; the rule's
  last_triggered_at and trigger_count move;
- it stays true: `firing`, notified again only once `cooldown_minutes` have
  passed since the last notification of the episode (a reminder);
- it becomes false: `resolved`, notified once;
- it stays false: `ok`; the value cannot be judged: `no_data`.

An evaluation of a period older than one already evaluated for the rule (a
backfill) is judged against the state as of its period and recorded, but
notifies nobody and moves no counter: nobody is paged about last month.
Evaluations of one rule are serialized (an advisory lock), so the daily run
and the watchdog schedule judging the same day at once notify once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg2.extensions import connection
from psycopg2.extras import Json

from analytics_pipeline.alerts.control import (
    ALERT_HISTORY,
    ALERT_RULES,
    FIRING_STATUSES,
    HISTORY_COLUMNS,
    HistoryRow,
    ensure_alert_tables,
)
from analytics_pipeline.alerts.definition import CHANGE_CONDITIONS, AlertRule
from analytics_pipeline.alerts.notify import Alert, overall_status, send_all
from analytics_pipeline.dashboards.data import MetricValue, QueryScope, measure_metric
from analytics_pipeline.reports.control import transaction
from analytics_pipeline.reports.query import DEFAULT_STATEMENT_TIMEOUT_MS
from analytics_pipeline.settings import SmtpSettings


@dataclass(frozen=True)
class Judgement:
    status: str  # one of control.STATUSES
    notify: bool
    notification_status: str  # pending when notify, else none or suppressed
    detail: str | None = None


def rule_window(rule: AlertRule, period_end: date) -> tuple[date, date]:
    """The `window_days` days ending on `period_end`."""
    return period_end - timedelta(days=rule.window_days - 1), period_end


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))  # the float as printed, not its binary expansion
    return Decimal(value)


def condition_holds(rule: AlertRule, measured: MetricValue) -> tuple[bool | None, str | None]:
    """Whether the rule's condition is true of the measurement (None: it cannot
    be judged), and why not when it cannot."""
    if rule.condition == "missing":
        return measured.row_count == 0, None
    if rule.condition in CHANGE_CONDITIONS:
        change = _decimal(measured.change_percent)
        if change is None:
            return None, (
                "no change to judge: the window or the previous one has no value, "
                "or the previous is 0"
            )
        if rule.condition == "change_pct_above":
            return change > rule.threshold, None
        return change < rule.threshold, None
    value = _decimal(measured.value)
    if value is None:
        return None, "no value in the window"
    threshold = rule.threshold
    holds = {
        "greater_than": value > threshold,
        "less_than": value < threshold,
        "equals": value == threshold,
    }[rule.condition]
    return holds, None


def judge(
    holds: bool | None,
    firing: bool,
    *,
    last_notified_at: datetime | None,
    now: datetime,
    cooldown_minutes: int,
    later_period: date | None = None,
) -> Judgement:
    """The outcome of an evaluation (pure): `firing` is the rule's state before
    it, `later_period` the newest period evaluated already when it is later
    than this one's."""
    if holds is None:
        return Judgement("no_data", False, "none")
    status = {
        (True, False): "triggered",
        (True, True): "firing",
        (False, True): "resolved",
        (False, False): "ok",
    }[(holds, firing)]
    if status == "ok":
        return Judgement(status, False, "none")
    if later_period is not None:
        return Judgement(
            status,
            False,
            "suppressed",
            f"a later period (ending {later_period}) was evaluated already: "
            "no notification for an earlier one",
        )
    if status == "firing" and last_notified_at is not None:
        since = now - last_notified_at
        if since < timedelta(minutes=cooldown_minutes):
            return Judgement(
                status,
                False,
                "suppressed",
                f"still true; within the cooldown of {cooldown_minutes} minutes since the "
                f"last notification at {last_notified_at.isoformat(timespec='seconds')}",
            )
    return Judgement(status, True, "pending")


@dataclass(frozen=True)
class Evaluation:
    rule: AlertRule
    measured: MetricValue
    history: HistoryRow  # as recorded, notifications included


def _state(cur, rule_id: str, period_end: date) -> tuple[bool, datetime | None, date | None]:
    """(firing as of period_end, time of the episode's last notification, the
    newest period evaluated when later than period_end)."""
    cur.execute(
        f"select status from {ALERT_HISTORY} where alert_rule_id = %s and period_end <= %s "
        "and status <> 'no_data' order by period_end desc, id desc limit 1",
        (rule_id, period_end),
    )
    row = cur.fetchone()
    firing = row is not None and row[0] in FIRING_STATUSES
    cur.execute(
        f"select max(evaluated_at) from {ALERT_HISTORY} where alert_rule_id = %s "
        "and status in ('triggered', 'firing') "
        "and notification_status not in ('none', 'suppressed')",
        (rule_id,),
    )
    (last_notified_at,) = cur.fetchone()
    cur.execute(
        f"select max(period_end) from {ALERT_HISTORY} where alert_rule_id = %s",
        (rule_id,),
    )
    (newest,) = cur.fetchone()
    later = newest if newest is not None and newest > period_end else None
    return firing, last_notified_at, later


def evaluate_rule(
    conn: connection,
    reader: connection,
    rule: AlertRule,
    period_end: date,
    *,
    now: datetime,
    smtp: SmtpSettings | None,
    evaluated_by: str,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
) -> Evaluation:
    """Evaluate `rule` for the window ending on `period_end`: measure on
    `reader` (the reader role: row-level security applies), record on `conn`
    (the rule must be in control.alert_rules), notify, record how it went."""
    start, end = rule_window(rule, period_end)
    measured, holds, why_not = measure_rule(
        reader, rule, period_end, statement_timeout_ms=statement_timeout_ms
    )
    ensure_alert_tables(conn)
    with transaction(conn) as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"alert_rule:{rule.id}",))
        firing, last_notified_at, later = _state(cur, rule.id, end)
        judgement = judge(
            holds,
            firing,
            last_notified_at=last_notified_at,
            now=now,
            cooldown_minutes=rule.cooldown_minutes,
            later_period=later,
        )
        cur.execute(
            f"insert into {ALERT_HISTORY} (alert_rule_id, workspace_id, period_start, "
            "period_end, evaluated_at, status, condition, severity, metric_value, "
            "previous_value, change_percent, row_count, threshold_value, detail, "
            "notification_status, evaluated_by) values "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            f"returning {HISTORY_COLUMNS}",
            (
                rule.id,
                rule.workspace_id,
                start,
                end,
                now,
                judgement.status,
                rule.condition,
                rule.severity,
                _decimal(measured.value),
                _decimal(measured.previous),
                _decimal(measured.change_percent),
                measured.row_count,
                rule.threshold,
                judgement.detail or why_not,
                judgement.notification_status,
                evaluated_by,
            ),
        )
        history = HistoryRow(*cur.fetchone())
        if judgement.status == "triggered" and later is None:
            cur.execute(
                f"update {ALERT_RULES.name} set last_triggered_at = %s, "
                "trigger_count = trigger_count + 1 where id = %s",
                (now, rule.id),
            )
    if judgement.notify:
        history = _notify(conn, rule, history, measured, smtp)
    return Evaluation(rule, measured, history)


def alert_of(rule: AlertRule, history: HistoryRow, measured: MetricValue, event: str) -> Alert:
    return Alert(
        event=event,
        rule=rule,
        period_start=history.period_start.isoformat(),
        period_end=history.period_end.isoformat(),
        metric_value=history.metric_value,
        previous_value=history.previous_value,
        change_percent=history.change_percent,
        row_count=measured.row_count,
        evaluated_at=history.evaluated_at,
        history_id=history.id,
        detail=history.detail,
    )


def _notify(
    conn: connection,
    rule: AlertRule,
    history: HistoryRow,
    measured: MetricValue,
    smtp: SmtpSettings | None,
) -> HistoryRow:
    outcomes = send_all(rule.channels, alert_of(rule, history, measured, history.status), smtp)
    with transaction(conn) as cur:
        cur.execute(
            f"update {ALERT_HISTORY} set notifications_sent = %s, notification_status = %s "
            f"where id = %s returning {HISTORY_COLUMNS}",
            (Json([o.record() for o in outcomes]), overall_status(outcomes), history.id),
        )
        return HistoryRow(*cur.fetchone())


def measure_rule(
    reader: connection,
    rule: AlertRule,
    period_end: date,
    *,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
) -> tuple[MetricValue, bool | None, str | None]:
    """The rule's measurement for the window ending on `period_end` and whether
    its condition holds (None: cannot be judged, with why), recording nothing."""
    start, end = rule_window(rule, period_end)
    scope = QueryScope(f"alert__{rule.id}", f"alert {rule.name}", rule.workspace_id)
    measured = measure_metric(
        reader,
        rule.metric,
        (start, end),
        scope,
        end,
        statement_timeout_ms=statement_timeout_ms,
        with_sparkline=False,
    )
    holds, why_not = condition_holds(rule, measured)
    return measured, holds, why_not
