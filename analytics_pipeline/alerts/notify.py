"""Sending an alert's notification through each of its rule's channels:
e-mail over the SMTP path reports use (`reports.delivery.deliver`), a Slack
incoming webhook (its JSON message format) and a generic JSON webhook.

Every channel is tried and its outcome recorded (`ChannelOutcome`): a
failing channel never stops the others and never raises. Webhooks get a
timeout per attempt and are retried, with a growing pause, on connection
errors, timeouts, 429 and 5xx answers; another 4xx is final.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from analytics_pipeline.alerts.definition import AlertRule, Channel
from analytics_pipeline.reports.delivery import deliver
from analytics_pipeline.settings import SmtpSettings

WEBHOOK_TIMEOUT_SECONDS = 10.0
WEBHOOK_ATTEMPTS = 3
WEBHOOK_BACKOFF_SECONDS = 1.0  # before the 2nd attempt; doubled before each next one
_USER_AGENT = "analytics-pipeline-alerts/1"
_SEVERITY_MARKS = {"info": "ℹ️", "warning": "⚠️", "critical": "🚨"}


@dataclass(frozen=True)
class Alert:
    """What a notification tells: the evaluation of a rule for a period."""

    event: str  # triggered | firing (a reminder) | resolved | test
    rule: AlertRule
    period_start: str  # ISO dates
    period_end: str
    metric_value: Decimal | None
    previous_value: Decimal | None
    change_percent: Decimal | None
    row_count: int
    evaluated_at: datetime
    history_id: int | None = None
    detail: str | None = None


@dataclass(frozen=True)
class ChannelOutcome:
    """How one channel went (a notifications_sent entry of alert_history)."""

    channel: str
    target: str  # names no secret: recipients, a URL's host, a variable's name
    status: str  # sent | failed | skipped
    attempts: int
    error: str | None = None
    sent_at: str | None = None  # ISO time

    def record(self) -> dict[str, Any]:
        return asdict(self)


def _number(value: Decimal | None, fmt: str) -> str:
    if value is None:
        return "no value"
    if fmt == "percent":
        return f"{value * 100:,.2f} %"
    if fmt == "integer":
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _condition_text(rule: AlertRule) -> str:
    fmt = rule.metric.format
    threshold = rule.threshold
    return {
        "greater_than": f"greater than {_number(threshold, fmt)}",
        "less_than": f"less than {_number(threshold, fmt)}",
        "equals": f"equal to {_number(threshold, fmt)}",
        "change_pct_above": f"changed by more than {threshold} % against the previous window",
        "change_pct_below": f"changed by less than {threshold} % against the previous window",
        "missing": "no data in the window",
    }[rule.condition]


def headline(alert: Alert) -> str:
    """One line: `[TRIGGERED warning] Agent run success under 90% (all workspaces)`."""
    rule = alert.rule
    scope = f"workspace {rule.workspace_id}" if rule.workspace_id else "all workspaces"
    return f"[{alert.event.upper()} {rule.severity}] {rule.name} ({scope})"


def body_text(alert: Alert) -> str:
    """The message's lines, as the e-mail body and the Slack text."""
    rule = alert.rule
    fmt = rule.metric.format
    what = {
        "triggered": "The alert condition became true.",
        "firing": "The alert condition is still true (reminder after the cooldown).",
        "resolved": "The alert condition is no longer true.",
        "test": "A test notification (analytics-pipeline alerts test): nothing was recorded.",
    }[alert.event]
    window = (
        alert.period_end
        if alert.period_start == alert.period_end
        else f"{alert.period_start} to {alert.period_end}"
    )
    lines = [
        what,
        f"Rule: {rule.id} ({rule.severity})",
        f"Metric: {rule.metric_label}",
        f"Condition: {_condition_text(rule)}",
        f"Window: {window}",
        f"Value: {_number(alert.metric_value, fmt)} ({alert.row_count} rows)",
    ]
    if rule.condition != "missing":
        lines.append(f"Previous window: {_number(alert.previous_value, fmt)}")
        if alert.change_percent is not None:
            lines.append(f"Change: {alert.change_percent:+.2f} %")
    if alert.detail:
        lines.append(alert.detail)
    if alert.history_id is not None:
        lines.append(f"Acknowledge: analytics-pipeline alerts ack {alert.history_id} --note '...'")
    lines.append(f"Evaluated at {alert.evaluated_at.isoformat(timespec='seconds')}")
    return "\n".join(lines)


def webhook_payload(alert: Alert) -> dict[str, Any]:
    """The generic webhook's JSON body: every figure, machine-readable."""
    rule = alert.rule

    def number(value: Decimal | None) -> str | None:
        return None if value is None else str(value)  # exact, as text

    return {
        "event": f"alert.{alert.event}",
        "rule_id": rule.id,
        "rule_name": rule.name,
        "severity": rule.severity,
        "workspace_id": rule.workspace_id,
        "metric": rule.metric_label,
        "condition": rule.condition,
        "threshold": number(rule.threshold),
        "period_start": alert.period_start,
        "period_end": alert.period_end,
        "metric_value": number(alert.metric_value),
        "previous_value": number(alert.previous_value),
        "change_percent": number(alert.change_percent),
        "row_count": alert.row_count,
        "detail": alert.detail,
        "history_id": alert.history_id,
        "evaluated_at": alert.evaluated_at.isoformat(),
        "text": headline(alert),
    }


def slack_payload(alert: Alert) -> dict[str, Any]:
    """A Slack incoming-webhook message: the headline as fallback text and a
    section with the details."""
    mark = _SEVERITY_MARKS.get(alert.rule.severity, "")
    title = f"{mark} *{headline(alert)}*".strip()
    return {
        "text": headline(alert),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": title}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body_text(alert)}},
        ],
    }


def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    timeout: float = WEBHOOK_TIMEOUT_SECONDS,
    attempts: int = WEBHOOK_ATTEMPTS,
    backoff: float = WEBHOOK_BACKOFF_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, str | None]:
    """POST `payload` as JSON; (attempts made, None when a 2xx came back, else
    the last error)."""
    data = json.dumps(payload).encode("utf-8")
    error: str | None = None
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            sleep(backoff * 2 ** (attempt - 2))
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": _USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            return attempt, None
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} {exc.reason}"
            if exc.code != 429 and exc.code < 500:
                return attempt, error  # the request itself is wrong: retrying will not help
        except (urllib.error.URLError, OSError) as exc:  # refused, DNS, timeout, TLS
            reason = getattr(exc, "reason", exc)
            error = f"{type(reason).__name__}: {reason}"
    return attempts, error


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def send_channel(
    channel: Channel,
    alert: Alert,
    smtp: SmtpSettings | None,
    *,
    post: Callable[..., tuple[int, str | None]] = post_json,
) -> ChannelOutcome:
    """Send the alert through one channel; never raises."""
    if channel.type == "email":
        result = deliver(smtp, channel.recipients, headline(alert), body_text(alert), ())
        return ChannelOutcome(
            "email",
            channel.target,
            result.status,
            0 if result.status == "skipped" else 1,
            result.error,
            result.delivered_at.isoformat(timespec="seconds") if result.delivered_at else None,
        )
    url = channel.resolve_url()
    if url is None:
        return ChannelOutcome(
            channel.type, channel.target, "skipped", 0, f"${channel.url_env} is not set"
        )
    payload = slack_payload(alert) if channel.type == "slack" else webhook_payload(alert)
    attempts, error = post(url, payload)
    if error is None:
        return ChannelOutcome(channel.type, channel.target, "sent", attempts, None, _now_text())
    return ChannelOutcome(channel.type, channel.target, "failed", attempts, error)


def send_all(
    channels: Sequence[Channel], alert: Alert, smtp: SmtpSettings | None
) -> list[ChannelOutcome]:
    """Every channel, one after the other, each on its own."""
    return [send_channel(channel, alert, smtp) for channel in channels]


def overall_status(outcomes: Sequence[ChannelOutcome]) -> str:
    """sent (every channel that could send did), partial, failed (none did),
    skipped (no channel could send), or none (no channel)."""
    if not outcomes:
        return "none"
    statuses = {outcome.status for outcome in outcomes} - {"skipped"}
    if not statuses:
        return "skipped"
    if statuses == {"sent"}:
        return "sent"
    return "failed" if "sent" not in statuses else "partial"
