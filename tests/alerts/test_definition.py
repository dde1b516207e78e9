"""Alert rule definitions: the examples parse, every problem is named by its
field path, a rule survives its table record, and the judgement of an
evaluation (pure) follows the state machine of docs/alerts.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from analytics_pipeline.alerts.definition import (
    alert_rule_json_schema,
    load_alert_rule_files,
    parse_alert_rule,
    rule_to_record,
)
from analytics_pipeline.alerts.evaluation import condition_holds, judge
from analytics_pipeline.dashboards.data import MetricValue
from analytics_pipeline.reports.definition import DefinitionError
from analytics_pipeline.settings import REPO_DIR

BASE = {
    "id": "r",
    "name": "R",
    "workspace_id": None,
    "metric": {"data_source": "daily_metrics", "function": "sum", "column": "total_runs"},
    "condition": "greater_than",
    "threshold": 10,
}


def _problems(data: dict) -> dict[str, str]:
    with pytest.raises(DefinitionError) as error:
        parse_alert_rule(data)
    return dict(error.value.problems)


def test_the_examples_parse_and_survive_their_record() -> None:
    rules = load_alert_rule_files(REPO_DIR / "alerts")
    assert [r.id for r in rules] == [
        "agent_runs_drop",
        "agent_success_rate_low",
        "hourly_error_events",
        "no_activity",
        "qms_overdue_capas",
    ]
    for rule in rules:
        record = json.loads(json.dumps(rule_to_record(rule)))  # as the jsonb columns hold it
        assert parse_alert_rule(record) == rule


def test_problems_are_named_by_their_field_path() -> None:
    assert _problems({**BASE, "condition": "above", "severity": "loud"}) == {
        "condition": "'above' is not one of greater_than, less_than, equals, "
        "change_pct_above, change_pct_below, missing",
        "severity": "'loud' is not one of info, warning, critical",
    }
    assert _problems({**BASE, "threshold": None}) == {
        "threshold": "required for the condition greater_than"
    }
    assert _problems({**BASE, "condition": "missing"}) == {
        "threshold": "not used by the condition missing"
    }
    assert _problems({**BASE, "threshold": "10", "window_days": 0}) == {
        "threshold": "expected a number, got str '10'",
        "window_days": "0 is not between 1 and 366",
    }
    channels = [
        {"type": "email"},
        {"type": "slack", "url": "https://hooks.example.com/x", "url_env": "X"},
        {"type": "webhook", "url": "ftp://example.com"},
        {"type": "webhook", "url_env": "lower"},
        {"type": "email", "recipients": ["a@b.org"], "url": "https://x.org"},
    ]
    assert _problems({**BASE, "channels": channels}) == {
        "channels[0].recipients": "name at least one address",
        "channels[1].url": "give exactly one of url and url_env",
        "channels[2].url": "str 'ftp://example.com' is not an http(s) URL",
        "channels[3].url_env": "str 'lower' is not an environment variable name (A-Z, 0-9, _)",
        "channels[4].url": "only for slack and webhook channels",
    }
    hospital = {"data_source": "lab_quality", "function": "count"}
    assert _problems({**BASE, "workspace_id": "d1", "metric": hospital}) == {
        "metric.data_source": "lab_quality has no tenant column (it is about the whole "
        "company): only a rule without workspace_id may read it"
    }
    assert "metric.metric_name" in _problems(
        {**BASE, "metric": {"data_source": "analytics_metrics", "function": "avg"}}
    )


def test_the_schema_in_docs_is_current() -> None:
    written = json.loads((REPO_DIR / "docs" / "alert_rule.schema.json").read_text())
    assert written == json.loads(json.dumps(alert_rule_json_schema()))


def _measured(value, previous=None, rows=1) -> MetricValue:
    span = (datetime(2026, 1, 2).date(), datetime(2026, 1, 2).date())
    change = (
        None
        if previous in (None, 0) or value is None
        else ((Decimal(value) - previous) / previous * 100)
    )
    return MetricValue(value, previous, change, (), rows, span, span)


@pytest.mark.parametrize(
    ("condition", "threshold", "measured", "holds"),
    [
        ("greater_than", 10, _measured(Decimal(11)), True),
        ("greater_than", 10, _measured(Decimal(10)), False),
        ("less_than", 0.9, _measured(0.89999), True),  # a float from a double column
        ("less_than", 0.9, _measured(Decimal("0.9")), False),
        ("equals", 3, _measured(3), True),
        ("change_pct_above", 20, _measured(Decimal(121), Decimal(100)), True),
        ("change_pct_above", 20, _measured(Decimal(120), Decimal(100)), False),
        ("change_pct_below", -30, _measured(Decimal(69), Decimal(100)), True),
        ("change_pct_below", -30, _measured(Decimal(5), Decimal(0)), None),  # from 0: no change
        ("greater_than", 10, _measured(None, rows=0), None),
    ],
)
def test_conditions(condition, threshold, measured, holds) -> None:
    rule = parse_alert_rule({**BASE, "condition": condition, "threshold": threshold})
    assert condition_holds(rule, measured)[0] is holds


def test_missing_is_about_rows_not_values() -> None:
    rule = parse_alert_rule({**BASE, "condition": "missing", "threshold": None})
    assert condition_holds(rule, _measured(None, rows=0)) == (True, None)
    assert condition_holds(rule, _measured(None, rows=3)) == (False, None)  # rows, null values


NOW = datetime(2026, 1, 3, 6, tzinfo=UTC)


def test_judgements() -> None:
    def outcome(holds, firing, last=None, cooldown=60, later=None):
        j = judge(
            holds,
            firing,
            last_notified_at=last,
            now=NOW,
            cooldown_minutes=cooldown,
            later_period=later,
        )
        return j.status, j.notify, j.notification_status

    assert outcome(True, False) == ("triggered", True, "pending")
    assert outcome(True, True, NOW - timedelta(minutes=59)) == ("firing", False, "suppressed")
    assert outcome(True, True, NOW - timedelta(minutes=60)) == ("firing", True, "pending")
    assert outcome(True, True, NOW, cooldown=0) == ("firing", True, "pending")
    assert outcome(False, True) == ("resolved", True, "pending")
    assert outcome(False, False) == ("ok", False, "none")
    assert outcome(None, True) == ("no_data", False, "none")
    later = NOW.date()
    assert outcome(True, False, later=later) == ("triggered", False, "suppressed")
    assert outcome(False, True, later=later) == ("resolved", False, "suppressed")
