"""Alert assets: one per alert rule file, `alerts/<id>`, downstream of the
published table its metric reads, so the lineage shows which tables feed
which alerts; daily-partitioned like the tables: a partition is the day
whose window the rule judges. Rules defined only in control.alert_rules (no
file in the loaded code location) are evaluated by `alerts/defined_in_table`.
`alerts/alert_rules` syncs the files into the table.

They run in the daily job after the tables they read (and the rules on
hourly_metrics in the hourly job too); the watchdog schedule runs them
again later in the day whatever the data gate said, so a silent pipeline
still fires its `missing` rules (`definitions`).
"""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from analytics_pipeline import groups, warehouse
from analytics_pipeline.alerts.control import (
    active_alert_rule,
    read_alert_rules,
    sync_alert_rules,
)
from analytics_pipeline.alerts.definition import (
    AlertRule,
    load_alert_rule_file,
    load_alert_rule_files,
)
from analytics_pipeline.alerts.evaluation import Evaluation, evaluate_rule
from analytics_pipeline.partitions import daily_partitions
from analytics_pipeline.reports.assets import source_key, sync_metadata
from analytics_pipeline.reports.catalog import FileProblem, readable_files
from analytics_pipeline.settings import SmtpSettings, get_settings

RULES_NAME = "alert_rules"
ALERT_RULES = dg.AssetKey([groups.ALERTS, RULES_NAME])
IN_TABLE_NAME = "defined_in_table"
ALERTS_IN_TABLE = dg.AssetKey([groups.ALERTS, IN_TABLE_NAME])
RESERVED_IDS = (RULES_NAME, IN_TABLE_NAME)
_KINDS = {"python", "postgres"}


def alert_key(rule_id: str) -> dg.AssetKey:
    return dg.AssetKey([groups.ALERTS, rule_id])


def readable_rules(directory: Path | None = None) -> tuple[list[AlertRule], list[FileProblem]]:
    """Every rule file that parses, and the problems of the others."""
    directory = directory or get_settings().alert_rules_dir
    good, bad = readable_files(directory, load_alert_rule_file)
    for rule in [r for r in good if r.id in RESERVED_IDS]:
        good.remove(rule)
        bad.append(FileProblem(directory / f"{rule.id}.yml", f"id {rule.id!r} is reserved"))
    return good, bad


def evaluation_metadata(evaluations: list[Evaluation]) -> dict:
    """Per rule and day: the outcome, the value and how notifying went."""
    metadata: dict = {}
    for evaluation in evaluations:
        row = evaluation.history
        prefix = f"{row.alert_rule_id}_{row.period_end.isoformat()}"
        metadata[f"{prefix}_status"] = row.status
        metadata[f"{prefix}_value"] = None if row.metric_value is None else float(row.metric_value)
        metadata[f"{prefix}_notifications"] = row.notification_status
        metadata[f"{prefix}_history_id"] = row.id
    fired = [e.rule.id for e in evaluations if e.history.status in ("triggered", "firing")]
    metadata["firing"] = ", ".join(sorted(set(fired))) or "none"
    return metadata


def _days(context: dg.AssetExecutionContext) -> list[date]:
    """The partition days of the run, in order (a backfill may run a range)."""
    return sorted(date.fromisoformat(key) for key in context.partition_keys)


def evaluate_rules(context: dg.AssetExecutionContext, rule_ids: list[str]) -> dg.MaterializeResult:
    """Evaluate each rule (active in the table) for each day of the run; one
    rule's error fails the asset after the others were evaluated."""
    launched_by = context.run.tags.get("analytics/launched_by", "dagster")
    evaluated_by = f"{launched_by} (dagster run {context.run.run_id})"
    smtp = SmtpSettings.from_env()
    evaluations: list[Evaluation] = []
    errors: list[str] = []
    with (
        warehouse.connect(warehouse.Role.TRANSFORMER) as conn,
        warehouse.connect(warehouse.Role.READER) as reader,
    ):
        for rule_id in rule_ids:
            try:
                rule = active_alert_rule(conn, rule_id)
            except LookupError as exc:
                errors.append(str(exc))
                continue
            for day in _days(context):
                try:
                    evaluations.append(
                        evaluate_rule(
                            conn,
                            reader,
                            rule,
                            day,
                            now=datetime.now(UTC),
                            smtp=smtp,
                            evaluated_by=evaluated_by,
                        )
                    )
                except Exception as exc:  # a query error of one rule
                    reader.rollback()
                    errors.append(f"alert rule {rule_id!r} on {day}: {type(exc).__name__}: {exc}")
    for evaluation in evaluations:
        row = evaluation.history
        context.log.info(
            f"{row.alert_rule_id} {row.period_end}: {row.status} (value {row.metric_value}, "
            f"notifications {row.notification_status})"
        )
    metadata = evaluation_metadata(evaluations)
    if errors:
        raise dg.Failure("; ".join(errors), metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)


def _rule_asset(rule: AlertRule) -> dg.AssetsDefinition:
    rule_id = rule.id

    @dg.asset(
        key=alert_key(rule_id),
        deps=[ALERT_RULES, *(source_key(name) for name in rule.data_sources)],
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=groups.ALERTS,
        kinds=_KINDS,
        metadata={
            "condition": rule.condition,
            "threshold": "-" if rule.threshold is None else str(rule.threshold),
            "window_days": rule.window_days,
            "severity": rule.severity,
            "workspace_id": rule.workspace_id or "all",
            "channels": ", ".join(c.type for c in rule.channels) or "none",
        },
        description=f"{rule.name}: evaluates {rule.metric_label} over the {rule.window_days} "
        f"day(s) ending on the partition day ({rule.condition}), records the outcome in "
        "control.alert_history and notifies on a change."
        + (f"\n\n{rule.description}" if rule.description else ""),
    )
    def alert(context: dg.AssetExecutionContext):
        return evaluate_rules(context, [rule_id])

    return alert


@dg.asset(
    key=ALERT_RULES,
    group_name=groups.ALERTS,
    kinds=_KINDS,
    description="Alert rules: the alerts/*.yml files synced into control.alert_rules "
    "(all or nothing).",
)
def alert_rules(context: dg.AssetExecutionContext):
    rules = load_alert_rule_files(get_settings().alert_rules_dir)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        synced = sync_alert_rules(conn, rules)
        valid, invalid = read_alert_rules(conn)
    return dg.MaterializeResult(metadata=sync_metadata(context, synced, valid, invalid, "rules"))


@dg.asset(
    key=ALERTS_IN_TABLE,
    deps=[ALERT_RULES],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=groups.ALERTS,
    kinds=_KINDS,
    description="The alert rules defined only in control.alert_rules (no alerts/<id>.yml "
    "in the loaded code location, so no asset of their own), evaluated like the others; "
    "the lineage shows their tables once a file names them.",
)
def alerts_defined_in_table(context: dg.AssetExecutionContext):
    file_ids = {rule.id for rule in readable_rules()[0]}
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        valid, _invalid = read_alert_rules(conn)
    return evaluate_rules(context, [rule.id for rule in valid if rule.id not in file_ids])


def build_alert_assets() -> list[dg.AssetsDefinition]:
    rules, _problems = readable_rules()
    return [alert_rules, alerts_defined_in_table, *(_rule_asset(rule) for rule in rules)]


def hourly_rule_keys() -> list[dg.AssetKey]:
    """The rule assets whose table the hourly job refreshes (hourly_metrics)."""
    return [alert_key(r.id) for r in readable_rules()[0] if r.data_sources == ("hourly_metrics",)]
