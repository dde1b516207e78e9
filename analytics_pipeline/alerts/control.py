"""Alert rules and their history in schema `control` (seed 004's alert_rules
and alert_history), kept like the report definitions (`reports.control`):

- `control.alert_rules`: synced from alerts/*.yml by `sync_alert_rules`, or
  added and edited in the table directly; the files win for the ids they
  define, rows added in the table stay, deleting a file does not delete its
  row (set `is_active = false`). The evaluation keeps `last_triggered_at`
  and `trigger_count` on the rule; a sync never touches them.
- `control.alert_history`: one row per evaluation of a rule for a period
  (`evaluation.evaluate_rule`): the metric value, the threshold, the outcome
  (triggered, firing, resolved, ok, no_data), the notifications sent with
  each channel's status and error, and the acknowledgement.

Every public function is one transaction of its own (`transaction`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psycopg2.extensions import connection

from analytics_pipeline.alerts.definition import (
    CONDITIONS,
    SEVERITIES,
    AlertRule,
    parse_alert_rule,
    rule_to_record,
)
from analytics_pipeline.reports.control import (
    CONTROL_SCHEMA,
    DefinitionTable,
    InvalidDefinition,
    SyncResult,
    pick_active,
    read_definitions,
    sync_definitions,
    touch_trigger_ddl,
    transaction,
)

ALERT_RULES = DefinitionTable(
    name=f"{CONTROL_SCHEMA}.alert_rules",
    fields=(
        "id",
        "name",
        "description",
        "workspace_id",
        "metric",
        "condition",
        "threshold",
        "window_days",
        "cooldown_minutes",
        "severity",
        "channels",
        "created_by",
        "is_active",
    ),
    required=("id", "name", "metric", "condition"),
    defaults={
        "description": None,
        "workspace_id": None,
        "threshold": None,
        "window_days": 1,
        "cooldown_minutes": 24 * 60,
        "severity": "warning",
        "channels": [],
        "created_by": None,
        "is_active": True,
    },
    json_fields=("metric", "channels"),
    kind="alert rule",
)
ALERT_HISTORY = f"{CONTROL_SCHEMA}.alert_history"

# What an evaluation found, by the rule's state before it:
# triggered - the condition became true (notified);
# firing    - it is still true (notified again only once the cooldown has passed);
# resolved  - it was true and is no longer (notified once);
# ok        - it is false and was;
# no_data   - the value cannot be judged (no rows in the window, or no previous
#             value to compare a change with); the state is left as it was.
STATUSES = ("triggered", "firing", "resolved", "ok", "no_data")
FIRING_STATUSES = ("triggered", "firing")
# none: nothing to send (or no channel); suppressed: within the cooldown, or an
# older period than one already evaluated; pending: being sent; sent / partial /
# failed: how the channels went; skipped: no channel could send (no SMTP server,
# a webhook variable unset).
NOTIFICATION_STATUSES = ("none", "suppressed", "pending", "sent", "partial", "failed", "skipped")


def _in(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_DDL = f"""
create schema if not exists {CONTROL_SCHEMA};

create table if not exists {ALERT_RULES.name} (
    id                text primary key,
    name              text not null,
    description       text,
    workspace_id      text,
    metric            jsonb not null,
    condition         text not null,
    threshold         numeric,
    window_days       integer not null default 1,
    cooldown_minutes  integer not null default 1440,
    severity          text not null default 'warning',
    channels          jsonb not null default '[]'::jsonb,
    created_by        text,
    is_active         boolean not null default true,
    last_triggered_at timestamptz,
    trigger_count     integer not null default 0,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    constraint alert_rules_id_slug
        check (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]*$' and char_length(id) <= 128),
    constraint alert_rules_condition check (condition in ({_in(CONDITIONS)})),
    constraint alert_rules_severity check (severity in ({_in(SEVERITIES)})),
    constraint alert_rules_threshold
        check ((condition = 'missing') = (threshold is null)),
    constraint alert_rules_window check (window_days >= 1),
    constraint alert_rules_cooldown check (cooldown_minutes >= 0),
    constraint alert_rules_metric_object check (jsonb_typeof(metric) = 'object'),
    constraint alert_rules_channels_array check (jsonb_typeof(channels) = 'array'),
    constraint alert_rules_trigger_count check (trigger_count >= 0)
);
comment on table {ALERT_RULES.name} is
    'Alert rules: synced from alerts/*.yml, or added and edited here directly.';
create index if not exists alert_rules_workspace on {ALERT_RULES.name} (workspace_id);
create index if not exists alert_rules_active on {ALERT_RULES.name} (id) where is_active;
{touch_trigger_ddl(ALERT_RULES)}

create table if not exists {ALERT_HISTORY} (
    id                  bigint generated always as identity primary key,
    alert_rule_id       text not null references {ALERT_RULES.name} (id),
    workspace_id        text,
    period_start        date not null,
    period_end          date not null,
    evaluated_at        timestamptz not null,
    status              text not null,
    condition           text not null,
    severity            text not null,
    metric_value        numeric,
    previous_value      numeric,
    change_percent      numeric,
    row_count           bigint not null,
    threshold_value     numeric,
    detail              text,
    notifications_sent  jsonb not null default '[]'::jsonb,
    notification_status text not null,
    acknowledged_by     text,
    acknowledged_at     timestamptz,
    notes               text,
    evaluated_by        text,
    constraint alert_history_status check (status in ({_in(STATUSES)})),
    constraint alert_history_notification_status
        check (notification_status in ({_in(NOTIFICATION_STATUSES)})),
    constraint alert_history_period check (period_start <= period_end),
    constraint alert_history_notifications_array
        check (jsonb_typeof(notifications_sent) = 'array'),
    constraint alert_history_acknowledged
        check ((acknowledged_by is null) = (acknowledged_at is null))
);
comment on table {ALERT_HISTORY} is
    'One row per evaluation of an alert rule for a period: value, outcome, notifications.';
create index if not exists alert_history_rule
    on {ALERT_HISTORY} (alert_rule_id, period_end desc, id desc);
create index if not exists alert_history_workspace
    on {ALERT_HISTORY} (workspace_id, evaluated_at desc);
"""


def ensure_alert_tables(conn: connection) -> None:
    """Create both tables, their constraints, trigger and indexes if missing
    (idempotent; serialized with the other control tables' setup)."""
    with transaction(conn) as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.control_schema'))")
        cur.execute(_DDL)


def sync_alert_rules(conn: connection, rules: Sequence[AlertRule]) -> SyncResult:
    """Upsert the rules (files win for their ids; other rows stay)."""
    ensure_alert_tables(conn)
    records = [rule_to_record(rule) for rule in rules]
    return sync_definitions(conn, records, parse_alert_rule, table=ALERT_RULES)


def _parse_row(record: dict[str, Any]) -> AlertRule:
    # numeric comes back as Decimal; the written form is a JSON number
    threshold = record.get("threshold")
    if isinstance(threshold, Decimal):
        record = {**record, "threshold": float(threshold) if threshold % 1 else int(threshold)}
    return parse_alert_rule(record)


def read_alert_rules(
    conn: connection, active_only: bool = True
) -> tuple[list[AlertRule], list[InvalidDefinition]]:
    """The rules of the table (by id), and the rows that fail validation."""
    ensure_alert_tables(conn)
    return read_definitions(conn, _parse_row, active_only, table=ALERT_RULES)


def active_alert_rule(conn: connection, rule_id: str) -> AlertRule:
    """The active, valid rule with this id; LookupError naming why not."""
    valid, invalid = read_alert_rules(conn)
    return pick_active(valid, invalid, rule_id, ALERT_RULES, "alerts sync")


@dataclass(frozen=True)
class HistoryRow:
    id: int
    alert_rule_id: str
    workspace_id: str | None
    period_start: date
    period_end: date
    evaluated_at: datetime
    status: str
    condition: str
    severity: str
    metric_value: Decimal | None
    previous_value: Decimal | None
    change_percent: Decimal | None
    row_count: int
    threshold_value: Decimal | None
    detail: str | None
    notifications_sent: list[dict[str, Any]]
    notification_status: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    notes: str | None
    evaluated_by: str | None

    @property
    def firing(self) -> bool:
        return self.status in FIRING_STATUSES


HISTORY_COLUMNS = ", ".join(HistoryRow.__dataclass_fields__)


def _history(row: tuple) -> HistoryRow:
    return HistoryRow(*row)


def read_history(conn: connection, rule_id: str | None = None, limit: int = 50) -> list[HistoryRow]:
    """The newest evaluations (of one rule, or of all), newest first."""
    ensure_alert_tables(conn)
    where = "where alert_rule_id = %s" if rule_id else ""
    params: tuple = (rule_id,) if rule_id else ()
    with transaction(conn) as cur:
        cur.execute(
            f"select {HISTORY_COLUMNS} from {ALERT_HISTORY} {where} "
            "order by evaluated_at desc, id desc limit %s",
            (*params, limit),
        )
        return [_history(row) for row in cur.fetchall()]


def acknowledge(conn: connection, history_id: int, by: str, note: str | None) -> HistoryRow:
    """Mark an evaluation acknowledged by `by` (now), with a note; LookupError
    when there is no such row. Acknowledging again replaces who, when and the note."""
    ensure_alert_tables(conn)
    with transaction(conn) as cur:
        cur.execute(
            f"update {ALERT_HISTORY} set acknowledged_by = %s, acknowledged_at = now(), "
            f"notes = %s where id = %s returning {HISTORY_COLUMNS}",
            (by, note, history_id),
        )
        row = cur.fetchone()
    if row is None:
        raise LookupError(f"no alert history row {history_id}")
    return _history(row)
