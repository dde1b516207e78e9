"""Alert rules: a metric watched over an evaluation window, a condition, and
who is told when it becomes true and when it clears (seed 004's alert_rules).

`parse_alert_rule` turns a mapping (an `alerts/*.yml` file or a row of
`control.alert_rules`) into a frozen `AlertRule` or raises one
`DefinitionError` naming each bad field by its path, like the report and
dashboard definitions, whose pieces it reuses: the metric is a dashboard
metric (a KPI of analytics_metrics by name, or an aggregate of a column of
any published table, with filters), e-mail addresses are checked as report
recipients. Columns are checked against the warehouse catalog when the
metric's query is built (`reports.query`).

Shape of a rule (YAML)::

    id: low_run_success             # slug; in alerts/<id>.yml
    name: Agent run success under 90%
    description: ...                # optional
    workspace_id: null              # required key; null = all workspaces together
    metric:                         # as a dashboard metric widget's
      data_source: analytics_metrics
      metric_name: success_rate
      period_type: day
      function: avg
      format: percent               # how messages show the value
    condition: less_than            # greater_than less_than equals
                                    # change_pct_above change_pct_below missing
    threshold: 0.9                  # not for missing; for change_pct_*: percent
    window_days: 1                  # the metric over the N days ending on the
                                    # evaluated day (change_pct_*: against the N before)
    cooldown_minutes: 1440          # while it stays true, notify again at most this often
    severity: warning               # info | warning | critical
    channels:
      - {type: email, recipients: [ops@example.com]}
      - {type: slack, url_env: ANALYTICS_ALERTS_SLACK_URL}  # Slack incoming webhook
      - {type: webhook, url: "https://example.com/hooks/alerts"}
    created_by: analytics-team      # optional
    is_active: true                 # optional, default true

A webhook URL usually carries a secret: `url_env` names the environment
variable holding it, so the file and the table need not.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from analytics_pipeline.dashboards.definition import (
    METRICS_SOURCE,
    Metric,
    MetricSpec,
    metric_record,
)
from analytics_pipeline.reports.definition import (
    Description,
    Flag,
    Location,
    Recipients,
    Slug,
    Spec,
    Text,
    WithoutFieldTitles,
    choice,
    describe,
    list_of,
    load_definition_file,
    load_definition_files,
    problem,
    problems_at,
    validate_spec,
    whole_number,
)
from analytics_pipeline.reports.sources import REPORT_SOURCES

CONDITIONS = (
    "greater_than",
    "less_than",
    "equals",
    "change_pct_above",
    "change_pct_below",
    "missing",
)
# Conditions on the change against the previous window, in percent.
CHANGE_CONDITIONS = ("change_pct_above", "change_pct_below")
SEVERITIES = ("info", "warning", "critical")
CHANNEL_TYPES = ("email", "slack", "webhook")
MAX_WINDOW_DAYS = 366
MAX_COOLDOWN_MINUTES = 366 * 24 * 60
DEFAULT_COOLDOWN_MINUTES = 24 * 60
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")
_ENV_NAME = r"[A-Z_][A-Z0-9_]{0,127}"


@dataclass(frozen=True)
class Channel:
    """Where a notification goes: e-mail recipients, or a webhook URL (given, or
    read from the environment variable `url_env` when sending)."""

    type: str
    recipients: tuple[str, ...] = ()
    url: str | None = None
    url_env: str | None = None

    def resolve_url(self) -> str | None:
        """The webhook URL to call (None when its variable is unset or empty)."""
        if self.url is not None:
            return self.url
        return os.environ.get(self.url_env or "") or None

    @property
    def target(self) -> str:
        """Where it goes, in words that name no secret: recipients, the URL's
        host, or the variable's name."""
        if self.type == "email":
            return ", ".join(self.recipients)
        if self.url_env is not None:
            return f"${self.url_env}"
        return _url_host(self.url or "")


def _url_host(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].rsplit('@', 1)[-1]}"


@dataclass(frozen=True)
class AlertRule:
    id: str
    name: str
    workspace_id: str | None  # None: all workspaces together
    metric: Metric
    condition: str
    threshold: Decimal | None  # None only for `missing`
    window_days: int = 1
    cooldown_minutes: int = DEFAULT_COOLDOWN_MINUTES
    severity: str = "warning"
    channels: tuple[Channel, ...] = ()
    description: str = ""
    created_by: str | None = None
    is_active: bool = True

    @property
    def data_sources(self) -> tuple[str, ...]:
        """The published tables the rule reads (REPORT_SOURCES keys)."""
        return (self.metric.data_source,)

    @property
    def metric_label(self) -> str:
        """The metric in words: `success_rate (avg of value, day)` or `avg of dau`."""
        metric = self.metric
        aggregate = f"{metric.function} of {metric.column or 'rows'}"
        if metric.metric_name:
            return f"{metric.metric_name} ({aggregate}, {metric.period_type})"
        return f"{aggregate} in {metric.data_source}"


# -- the written form ------------------------------------------------------------


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise problem(f"expected a number, got {describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise problem(f"{value} is not a finite number")
    return Decimal(str(value))


def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 2000 or not _URL.fullmatch(value):
        raise problem(f"{describe(value)} is not an http(s) URL")
    return value


def _env_name(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(_ENV_NAME, value):
        raise problem(f"{describe(value)} is not an environment variable name (A-Z, 0-9, _)")
    return value


Number = Annotated[Decimal, BeforeValidator(_number, json_schema_input_type=float)]
Url = Annotated[str, Field(pattern=f"^{_URL.pattern}$"), BeforeValidator(_url)]
EnvName = Annotated[str, Field(pattern=f"^{_ENV_NAME}$"), BeforeValidator(_env_name)]
Condition = choice(CONDITIONS)
Severity = choice(SEVERITIES)
ChannelType = choice(CHANNEL_TYPES)
WindowDays = whole_number(1, MAX_WINDOW_DAYS)
CooldownMinutes = whole_number(0, MAX_COOLDOWN_MINUTES)


class ChannelSpec(Spec):
    """One notification channel: e-mail to recipients (over the reports' SMTP
    settings), a Slack incoming webhook, or a generic JSON webhook."""

    type: ChannelType
    recipients: Recipients = ()
    """E-mail only: at least one address."""
    url: Url | None = None
    """slack and webhook: the URL to POST to (or url_env)."""
    url_env: EnvName | None = None
    """slack and webhook: the environment variable holding the URL (keeps the secret
    out of the file and the table)."""

    @model_validator(mode="after")
    def _fields_fit_the_type(self) -> ChannelSpec:
        problems: list[tuple[Location, str]] = []
        if self.type == "email":
            if not self.recipients:
                problems.append((("recipients",), "name at least one address"))
            problems += [
                ((key,), "only for slack and webhook channels")
                for key in ("url", "url_env")
                if getattr(self, key) is not None
            ]
        else:
            if self.recipients:
                problems.append((("recipients",), "only for email channels"))
            if (self.url is None) == (self.url_env is None):
                problems.append((("url",), "give exactly one of url and url_env"))
        if problems:
            raise problems_at(*problems)
        return self

    def build(self) -> Channel:
        return Channel(self.type, tuple(self.recipients), self.url, self.url_env)


Channels = list_of(
    ChannelSpec,
    distinct=lambda channel: (channel.type, channel.url, channel.url_env, channel.recipients),
)


class AlertRuleSpec(Spec):
    """An alert rule as written: alerts/<id>.yml or a control.alert_rules row."""

    model_config = ConfigDict(title="Alert rule")

    id: Slug
    """Equals the file name: alerts/<id>.yml."""
    name: Text
    description: Description = ""
    workspace_id: Text | None
    """Required; null = all workspaces together (the source's all-workspaces rows,
    or every workspace's rows), as for reports and dashboards."""
    metric: MetricSpec
    condition: Condition
    threshold: Number | None = None
    """Required but for `missing`; for change_pct_above/below a percentage (-20 = a
    fall of more than 20 %)."""
    window_days: WindowDays = 1
    """The metric over the N days ending on the evaluated day."""
    cooldown_minutes: CooldownMinutes = DEFAULT_COOLDOWN_MINUTES
    """While the condition stays true, notify again at most this often (0: every
    evaluation)."""
    severity: Severity = "warning"
    channels: Channels = ()
    created_by: Text | None = None
    is_active: Flag = True

    @model_validator(mode="after")
    def _fields_fit_together(self) -> AlertRuleSpec:
        problems: list[tuple[Location, str]] = []
        if self.condition == "missing":
            if self.threshold is not None:
                problems.append((("threshold",), "not used by the condition missing"))
        elif self.threshold is None:
            problems.append((("threshold",), f"required for the condition {self.condition}"))
        source = REPORT_SOURCES[self.metric.data_source]
        if self.workspace_id and source.workspace_column is None:
            problems.append(
                (
                    ("metric", "data_source"),
                    f"{source.name} has no tenant column (it is about the whole "
                    f"{source.tenant_label.lower()}): only a rule without workspace_id "
                    "may read it",
                )
            )
        if problems:
            raise problems_at(*problems)
        return self

    def build(self) -> AlertRule:
        return AlertRule(
            id=self.id,
            name=self.name,
            workspace_id=self.workspace_id,
            metric=self.metric.build(),
            condition=self.condition,
            threshold=self.threshold,
            window_days=self.window_days,
            cooldown_minutes=self.cooldown_minutes,
            severity=self.severity,
            channels=tuple(channel.build() for channel in self.channels),
            description=self.description,
            created_by=self.created_by,
            is_active=self.is_active,
        )


def parse_alert_rule(data: Mapping[str, Any]) -> AlertRule:
    """Validate a rule mapping and build it; DefinitionError names every bad field."""
    return validate_spec(AlertRuleSpec, data).build()


def alert_rule_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rule as written (docs/alert_rule.schema.json)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **AlertRuleSpec.model_json_schema(schema_generator=WithoutFieldTitles),
    }


# -- records -----------------------------------------------------------------


def rule_to_record(rule: AlertRule) -> dict[str, Any]:
    """The rule as a control.alert_rules row (JSON-ready); `parse_alert_rule`
    reads it back."""
    return {
        "id": rule.id,
        "name": rule.name,
        "description": rule.description,
        "workspace_id": rule.workspace_id,
        "metric": metric_record(rule.metric),
        "condition": rule.condition,
        # a JSON number, exact for the decimal written
        "threshold": None if rule.threshold is None else _json_number(rule.threshold),
        "window_days": rule.window_days,
        "cooldown_minutes": rule.cooldown_minutes,
        "severity": rule.severity,
        "channels": [_channel_record(channel) for channel in rule.channels],
        "created_by": rule.created_by,
        "is_active": rule.is_active,
    }


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _channel_record(channel: Channel) -> dict[str, Any]:
    record: dict[str, Any] = {"type": channel.type}
    if channel.recipients:
        record["recipients"] = list(channel.recipients)
    if channel.url is not None:
        record["url"] = channel.url
    if channel.url_env is not None:
        record["url_env"] = channel.url_env
    return record


# -- files -------------------------------------------------------------------


def load_alert_rule_file(path: Path | str) -> AlertRule:
    """Read one `<id>.yml` file; DefinitionError names the file and the field."""
    return load_definition_file(path, parse_alert_rule)


def load_alert_rule_files(directory: Path | str) -> list[AlertRule]:
    """Read every `*.yml` in `directory`, sorted by id; the first bad file raises."""
    return load_definition_files(directory, parse_alert_rule)


__all__ = [
    "CHANGE_CONDITIONS",
    "CHANNEL_TYPES",
    "CONDITIONS",
    "METRICS_SOURCE",
    "SEVERITIES",
    "AlertRule",
    "AlertRuleSpec",
    "Channel",
    "alert_rule_json_schema",
    "load_alert_rule_file",
    "load_alert_rule_files",
    "parse_alert_rule",
    "rule_to_record",
]
