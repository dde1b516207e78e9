"""The retention asset (`maintenance/retention`) and its daily schedule. The
work is in retention.py; the asset only reads its as-of date and reports."""

# No `from __future__ import annotations`: Dagster reads the config annotation at runtime.
import datetime as dt

import dagster as dg

from analytics_pipeline import groups
from analytics_pipeline.maintenance.retention import RetentionReport, run_retention
from analytics_pipeline.maintenance.retention_settings import current_settings

RETENTION_KEY = dg.AssetKey([groups.MAINTENANCE, "retention"])
# As the other schedules (orchestration/schedules.py): UTC, and running from
# the first start. Not imported from there: that module loads the dbt assets.
SCHEDULE_TIMEZONE = "UTC"
DEFAULT_STATUS = dg.DefaultScheduleStatus.RUNNING


class RetentionConfig(dg.Config):
    as_of: str | None = None
    """The day retention counts back from (YYYY-MM-DD); default: the newest event's day."""
    dry_run: bool = False
    """Count what would go, change nothing."""


@dg.asset(
    key=RETENTION_KEY,
    group_name=groups.MAINTENANCE,
    description="Drops the raw event tables' month partitions older than their retention, "
    "deletes expired rows of other raw tables and of the published aggregates, nulls old "
    "quarantine payloads and makes the coming months' partitions (docs/operations.md).",
)
def retention(context: dg.AssetExecutionContext, config: RetentionConfig) -> dg.MaterializeResult:
    as_of = dt.date.fromisoformat(config.as_of) if config.as_of else None
    report = run_retention(current_settings(), as_of, config.dry_run)
    for action in report.actions:
        context.log.info(_line(action))
    return dg.MaterializeResult(metadata=_metadata(report))


def _line(action) -> str:
    where = f" ({', '.join(action.partitions)})" if action.partitions else ""
    return f"{action.table}: {action.action} {action.rows:,} rows{where}"


def _metadata(report: RetentionReport) -> dict:
    rows = ["| table | action | rows | cutoff | partitions |", "|---|---|---|---|---|"]
    for a in report.actions:
        cut = a.cutoff.date().isoformat() if a.cutoff else ""
        rows.append(f"| {a.table} | {a.action} | {a.rows:,} | {cut} | {', '.join(a.partitions)} |")
    removed = sum(a.rows for a in report.actions if a.action in ("drop_partitions", "delete_rows"))
    return {
        "run_id": report.run_id,
        "as_of": report.as_of.isoformat(),
        "dry_run": report.dry_run,
        "rows_removed": removed,
        "payloads_nulled": sum(a.rows for a in report.actions if a.action == "null_payloads"),
        "actions": dg.MetadataValue.md("\n".join(rows)),
    }


retention_job = dg.define_asset_job(
    "retention_job",
    selection=dg.AssetSelection.assets(RETENTION_KEY),
    description="Enforces the retention settings as of the scheduled day.",
)


@dg.schedule(
    job=retention_job,
    cron_schedule="0 4 * * *",
    execution_timezone=SCHEDULE_TIMEZONE,
    name="retention_schedule",
    description="Daily 04:00 UTC: retention as of that day.",
    default_status=DEFAULT_STATUS,
)
def retention_schedule(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.astimezone(dt.UTC).date().isoformat()
    return dg.RunRequest(
        run_key=f"retention-{day}",
        run_config={"ops": {"maintenance__retention": {"config": {"as_of": day}}}},
    )
