"""`analytics-pipeline report ...`: sync the definition files, list the
reports, run one by hand, and verify the rendered files against their
execution records. Runs go through Dagster (the report family asset,
partition = report id), so they show in the UI like scheduled ones."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg2.extensions
from dagster import AssetKey

from analytics_pipeline import warehouse
from analytics_pipeline.commands.materialize import failure_summary, materialize
from analytics_pipeline.dagster_instance import get_instance, prepare_dagster_home
from analytics_pipeline.reports.assets import (
    REPORT_DEFINITIONS,
    family_key,
    parse_scheduled_for,
    register_partitions,
)
from analytics_pipeline.reports.catalog import active_definition, active_definitions
from analytics_pipeline.reports.control import (
    DEFINITIONS_TABLE,
    EXECUTIONS_TABLE,
    ensure_control_schema,
    transaction,
)
from analytics_pipeline.reports.definition import ReportDefinition
from analytics_pipeline.reports.executions import completed_executions
from analytics_pipeline.reports.schedule import latest_due, next_due
from analytics_pipeline.reports.verification import verify_files


@dataclass(frozen=True)
class RunOutcome:
    success: bool
    message: str
    files: list[tuple[str, str, int | None, int | None]]  # format, path, rows, bytes


def sync_reports(tags: dict[str, str] | None = None) -> tuple[bool, str]:
    """Materialize control/report_definitions: files -> table, partitions registered."""
    prepare_dagster_home()
    result = materialize(
        f"key:{REPORT_DEFINITIONS.to_user_string()}", log_level="WARNING", tags=tags
    )
    if not result.success:
        return False, failure_summary(result)
    metadata = result.asset_materializations_for_node(REPORT_DEFINITIONS.to_python_identifier())[
        0
    ].metadata
    summary = ", ".join(f"{key}: {value.value}" for key, value in metadata.items())
    return True, summary


def run_report(
    report_id: str,
    formats: Sequence[str] = (),
    scheduled_for: str | None = None,
    tags: dict[str, str] | None = None,
) -> RunOutcome:
    """Materialize one report (partition `report_id` of its family) now, or for
    the scheduled time given (ISO 8601 with offset). Any active report runs so,
    whatever its schedule: a manual one runs only so."""
    prepare_dagster_home()
    moment = parse_scheduled_for(scheduled_for)  # validates before anything runs
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        definition = active_definition(conn, report_id)
    register_partitions(get_instance(), [definition])
    key = family_key(definition.report_type)
    config = {"scheduled_for": moment.isoformat(), "formats": list(formats)}
    result = materialize(
        f"key:{key.to_user_string()}",
        partition_key=report_id,
        log_level="WARNING",
        tags={"analytics/launched_by": "cli", "analytics/report_id": report_id, **(tags or {})},
        run_config={"ops": {key.to_python_identifier(): {"config": config}}},
    )
    files = _files(report_id, moment)
    if not result.success:
        return RunOutcome(False, failure_summary(result), files)
    return RunOutcome(True, f"{report_id} for {moment.isoformat()}", files)


def run_latest_scheduled(
    moment: datetime,
    tags: dict[str, str] | None = None,
    say: Callable[[str], None] = print,
    families: Collection[AssetKey] | None = None,
) -> bool:
    """Run every active report (of the family assets `families`, default all)
    for its latest scheduled time at or before `moment` (unscheduled and manual
    ones for `moment` itself), one Dagster run each; a failing report does not stop the
    others. Returns whether all succeeded."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        definitions = active_definitions(conn)[0]
    if families is not None:
        definitions = [d for d in definitions if family_key(d.report_type) in families]
    all_ok = True
    for definition in definitions:
        due = latest_due(definition.schedule, moment) if definition.schedule else None
        outcome = run_report(definition.id, scheduled_for=(due or moment).isoformat(), tags=tags)
        for fmt, path, rows, _size in outcome.files:
            say(f"  {definition.id:32} {fmt:5} {rows if rows is not None else '-':>6} rows  {path}")
        if not outcome.success:
            say(f"  {definition.id}: FAILED: {outcome.message}")
            all_ok = False
    return all_ok


def _files(
    report_id: str, scheduled_for: datetime
) -> list[tuple[str, str, int | None, int | None]]:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, transaction(conn) as cur:
        cur.execute(
            f"select format, coalesce(file_path, status || ': ' || coalesce(error_message, '')), "
            f"record_count, file_size from {EXECUTIONS_TABLE} "
            "where report_id = %s and scheduled_for = %s order by format",
            (report_id, scheduled_for),
        )
        return [tuple(row) for row in cur.fetchall()]


def list_reports(say: Callable[[str], None] = print) -> int:
    """Print the active definitions: family, source, workspace, next run."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        valid, invalid = active_definitions(conn)
    now = datetime.now(UTC)
    say(f"{'id':32} {'family':9} {'data source':24} {'workspace':12} next run (UTC)")
    for definition in valid:
        say(_line(definition, now))
    for row in invalid:
        say(f"{row.id:32} INVALID: {row.error}")
    return len(valid)


def _line(definition: ReportDefinition, now: datetime) -> str:
    due = next_due(definition.schedule, now) if definition.schedule else None
    when = due.strftime("%Y-%m-%d %H:%M") if due else "by hand only"
    return (
        f"{definition.id:32} {definition.report_type:9} "
        f"{definition.configuration.data_source:24} {definition.workspace_id or 'all':12} {when}"
    )


def verify_reports(report_id: str | None = None, say: Callable[[str], None] = print) -> bool:
    """Re-hash the file of every completed execution (of `report_id`, or all)
    and print OK, CHANGED or MISSING for each, then a summary. Returns whether
    every file is as recorded (True when there is none). LookupError for a
    report id the warehouse has never heard of."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        ensure_control_schema(conn)
        executions = completed_executions(conn, report_id)
        if report_id is not None and not executions and not _known_report(conn, report_id):
            raise LookupError(f"no report {report_id!r} in {DEFINITIONS_TABLE}")
    scope = f"of report {report_id!r}" if report_id else "of any report"
    return verify_files(executions, scope, say)


def _known_report(conn: psycopg2.extensions.connection, report_id: str) -> bool:
    with transaction(conn) as cur:
        cur.execute(f"select 1 from {DEFINITIONS_TABLE} where id = %s", (report_id,))
        return cur.fetchone() is not None
