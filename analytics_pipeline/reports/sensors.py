"""The report schedule sensor: each minute it syncs changed definition files,
marks stuck executions failed, registers new definitions as partitions, and
requests a run for every active definition whose schedule came due (in its
time zone, DST included). The run key `<id>|<scheduled time>` makes Dagster
request each scheduled run once, however often the sensor ticks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg

from analytics_pipeline import warehouse
from analytics_pipeline.reports.assets import (
    FAMILY_PARTITIONS,
    REPORT_TYPES,
    family_key,
    missing_partitions,
)
from analytics_pipeline.reports.catalog import active_definitions, files_digest, sync_repository
from analytics_pipeline.reports.definition import DefinitionError, ReportDefinition
from analytics_pipeline.reports.executions import fail_stuck_executions
from analytics_pipeline.reports.schedule import due_times

# A run still `running` after this long is marked failed (and may run again).
STUCK_AFTER = timedelta(hours=1)
# How far back a missed scheduled time is still requested (e.g. after downtime);
# older ones are skipped, and only the latest missed time of each report runs.
CATCH_UP = timedelta(hours=24)


@dataclass(frozen=True)
class DueRun:
    definition: ReportDefinition
    scheduled_for: datetime

    @property
    def run_key(self) -> str:
        return f"{self.definition.id}|{self.scheduled_for.isoformat()}"


def due_runs(
    definitions: Sequence[ReportDefinition], last_tick: datetime | None, now: datetime
) -> list[DueRun]:
    """The runs due in (last tick, now] (at most CATCH_UP back): per active
    scheduled definition, its latest scheduled time in that window."""
    since = now - CATCH_UP if last_tick is None else max(last_tick, now - CATCH_UP)
    runs = []
    for definition in definitions:
        if not definition.is_active or definition.schedule is None:
            continue
        times = due_times(definition.schedule, since, now)
        if times:
            runs.append(DueRun(definition, times[-1]))
    return runs


def run_request(run: DueRun) -> dg.RunRequest:
    key = family_key(run.definition.report_type)
    return dg.RunRequest(
        run_key=run.run_key,
        partition_key=run.definition.id,
        asset_selection=[key],
        run_config={
            "ops": {
                key.to_python_identifier(): {
                    "config": {"scheduled_for": run.scheduled_for.isoformat()}
                }
            }
        },
        tags={
            "analytics/launched_by": "report_schedule_sensor",
            "analytics/report_id": run.definition.id,
            "analytics/scheduled_for": run.scheduled_for.isoformat(),
        },
    )


@dg.sensor(
    name="report_schedule_sensor",
    description="Runs each active report definition at its scheduled times (its time zone, "
    "DST included); syncs changed reports/*.yml files first.",
    asset_selection=dg.AssetSelection.assets(*(family_key(f) for f in REPORT_TYPES)),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def report_schedule_sensor(context: dg.SensorEvaluationContext):
    return evaluate_report_schedules(context, datetime.now(UTC))


def evaluate_report_schedules(context: dg.SensorEvaluationContext, now: datetime):
    """One tick of the sensor at `now` (aware)."""
    state = json.loads(context.cursor) if context.cursor else {}
    last_tick = datetime.fromisoformat(state["last_tick"]) if "last_tick" in state else None
    digest = files_digest()
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        if digest != state.get("files"):
            try:
                synced = sync_repository(conn)
                context.log.info(f"synced definition files: {synced}")
            except (DefinitionError, ValueError) as exc:
                # Nothing was written; the table's definitions still run.
                context.log.error(f"definition files not synced: {exc}")
        stuck = fail_stuck_executions(conn, STUCK_AFTER)
        if stuck:
            context.log.warning(f"marked stuck executions failed: {stuck}")
        valid, invalid = active_definitions(conn)
    for row in invalid:
        context.log.error(f"report {row.id!r} is invalid and does not run: {row.error}")

    partition_requests = [
        FAMILY_PARTITIONS[family].build_add_request(ids)
        for family, ids in missing_partitions(context.instance, valid).items()
    ]
    runs = due_runs(valid, last_tick, now)
    return dg.SensorResult(
        run_requests=[run_request(run) for run in runs],
        dynamic_partitions_requests=partition_requests,
        cursor=json.dumps({"last_tick": now.isoformat(), "files": digest}),
    )
