"""The report schedule sensor: each minute it syncs changed definition files,
marks stuck executions failed, registers new definitions as partitions, and
requests a run for every active definition whose schedule came due (in its
time zone, DST included; an interval schedule every interval_minutes of
absolute time; a manual one never: it is a partition, run by hand) once its
data is there. The run key
`<id>|<scheduled time>` makes Dagster request each scheduled run once, however
often the sensor ticks.

A due run waits for its data: it is requested only when the report's source
holds data through the last day of the date range the run covers (the latest
value of the source's date column >= the range's end; a report without a date
range needs a non-empty source). Until then it is kept in the sensor's cursor
and checked again on every tick, and the tick log says what it waits for. A
run whose data has not arrived WAIT_FOR_DATA after its scheduled time is
dropped with an error in the tick log (no execution, no file); render it by
hand (`analytics-pipeline report run ID --scheduled-for TIME`) when the data
comes later. A due run already rendered in every format (by `materialize`, the
demo or `report run`) is not requested again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import psycopg2.extensions
from psycopg2 import sql

from analytics_pipeline import warehouse
from analytics_pipeline.reports.assets import (
    FAMILY_PARTITIONS,
    REPORT_TYPES,
    family_key,
    missing_partitions,
)
from analytics_pipeline.reports.catalog import active_definitions, files_digest, sync_repository
from analytics_pipeline.reports.control import REPORT_EXECUTION_TABLE, ExecutionTable
from analytics_pipeline.reports.date_ranges import resolve_date_range
from analytics_pipeline.reports.definition import DefinitionError, ReportDefinition
from analytics_pipeline.reports.executions import fail_stuck_executions
from analytics_pipeline.reports.generation import reference_date
from analytics_pipeline.reports.schedule import due_times
from analytics_pipeline.reports.sources import REPORT_SOURCES

# A run still `running` after this long is marked failed (and may run again).
STUCK_AFTER = timedelta(hours=1)
# How far back a missed scheduled time is still requested (e.g. after downtime);
# older ones are skipped, and only the latest missed time of each report runs.
CATCH_UP = timedelta(hours=24)
# How long after its scheduled time a run waits for its data before it is dropped.
WAIT_FOR_DATA = timedelta(days=7)
# At most this many waiting runs per report (the latest ones) are kept.
MAX_WAITING_PER_REPORT = 10


@dataclass(frozen=True)
class DueRun:
    # A report's definition, or any with `id`, `is_active` and `schedule` (a
    # dashboard's: `due_runs` and `already_rendered` serve its sensor too).
    definition: ReportDefinition
    scheduled_for: datetime

    @property
    def run_key(self) -> str:
        return f"{self.definition.id}|{self.scheduled_for.isoformat()}"

    @property
    def needs_data_through(self) -> date | None:
        """The last day of the date range this run covers (None: no date range)."""
        date_range = self.definition.configuration.date_range
        if date_range is None:
            return None
        today = reference_date(self.definition, self.scheduled_for)
        return resolve_date_range(date_range, today)[1]


def due_runs(
    definitions: Sequence[ReportDefinition], last_tick: datetime | None, now: datetime
) -> list[DueRun]:
    """The runs due in (last tick, now] (at most CATCH_UP back): per active
    scheduled definition, its latest scheduled time in that window (a manual
    schedule has none)."""
    since = now - CATCH_UP if last_tick is None else max(last_tick, now - CATCH_UP)
    runs = []
    for definition in definitions:
        if not definition.is_active or definition.schedule is None:
            continue
        times = due_times(definition.schedule, since, now)
        if times:
            runs.append(DueRun(definition, times[-1]))
    return runs


def already_rendered(
    conn: psycopg2.extensions.connection,
    runs: Sequence[DueRun],
    table: ExecutionTable = REPORT_EXECUTION_TABLE,
) -> set[str]:
    """Run keys of `runs` whose every format already has a completed execution
    in `table` for that scheduled time (rendered by `materialize`, the demo or
    `report run`): no new work for the sensor."""
    if not runs:
        return set()
    with conn.cursor() as cur:
        cur.execute(
            f"select {table.key_column}, scheduled_for, array_agg(distinct format) "
            f"from {table.name} where status = 'completed' and {table.key_column} = any(%s) "
            "group by 1, 2",
            ([run.definition.id for run in runs],),
        )
        completed = {(report_id, moment): set(formats) for report_id, moment, formats in cur}
    return {
        run.run_key
        for run in runs
        if set(run.definition.schedule.formats)
        <= completed.get((run.definition.id, run.scheduled_for), set())
    }


def data_through(conn: psycopg2.extensions.connection, data_source: str) -> date | None:
    """The latest date of a report source's date column (None: empty or not built)."""
    source = REPORT_SOURCES[data_source]
    with conn.cursor() as cur:
        cur.execute("select to_regclass(%s)", (source.qualified_name,))
        if cur.fetchone()[0] is None:
            return None
        cur.execute(
            sql.SQL("select max({})::date from {}.{}").format(
                sql.Identifier(source.date_column),
                sql.Identifier(source.schema),
                sql.Identifier(source.table),
            )
        )
        return cur.fetchone()[0]


def has_its_data(run: DueRun, latest: date | None) -> bool:
    """Whether the source's data (through `latest`) covers the run's date range."""
    needed = run.needs_data_through
    return latest is not None and (needed is None or latest >= needed)


def _waiting_runs(state: dict, definitions: Sequence[ReportDefinition]) -> list[DueRun]:
    """The runs the cursor holds as waiting for their data (of definitions
    still active and scheduled)."""
    by_id = {d.id: d for d in definitions if d.is_active and d.schedule is not None}
    return [
        DueRun(by_id[item["id"]], datetime.fromisoformat(item["scheduled_for"]))
        for item in state.get("waiting", [])
        if item["id"] in by_id
    ]


def _ready_runs(
    context: dg.SensorEvaluationContext,
    conn: psycopg2.extensions.connection,
    waiting: list[DueRun],
    due: list[DueRun],
    now: datetime,
) -> tuple[list[DueRun], list[DueRun]]:
    """(runs whose data is there, runs still waiting for it). Logs a run when
    it begins to wait and when it is given up."""
    known = {run.run_key for run in waiting}
    candidates = {run.run_key: run for run in [*waiting, *due]}
    latest: dict[str, date | None] = {}
    ready, still_waiting = [], []
    for run in sorted(candidates.values(), key=lambda r: (r.definition.id, r.scheduled_for)):
        source = run.definition.configuration.data_source
        if source not in latest:
            latest[source] = data_through(conn, source)
        if has_its_data(run, latest[source]):
            ready.append(run)
            continue
        needed = run.needs_data_through
        has = f"data through {latest[source]}" if latest[source] else "no data"
        what = (
            f"report {run.definition.id!r} scheduled for {run.scheduled_for.isoformat()} "
            f"needs {source} data {f'through {needed}' if needed else '(any)'}; "
            f"the source has {has}"
        )
        if now - run.scheduled_for > WAIT_FOR_DATA:
            context.log.error(f"{what}: gave up after waiting {WAIT_FOR_DATA.days} days")
        else:
            still_waiting.append(run)
            if run.run_key not in known:
                context.log.info(f"{what}: waiting for it")
    # Bounded: the latest MAX_WAITING_PER_REPORT runs of each report.
    per_report: dict[str, list[DueRun]] = {}
    for run in still_waiting:
        per_report.setdefault(run.definition.id, []).append(run)
    kept = [run for runs in per_report.values() for run in runs[-MAX_WAITING_PER_REPORT:]]
    return ready, kept


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
    "DST included; interval schedules every N minutes; manual ones never); syncs changed "
    "reports/*.yml files first.",
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
        due = due_runs(valid, last_tick, now)
        done = already_rendered(conn, due)
        due = [run for run in due if run.run_key not in done]
        ready, waiting = _ready_runs(context, conn, _waiting_runs(state, valid), due, now)
    for row in invalid:
        context.log.error(f"report {row.id!r} is invalid and does not run: {row.error}")

    partition_requests = [
        FAMILY_PARTITIONS[family].build_add_request(ids)
        for family, ids in missing_partitions(context.instance, valid).items()
    ]
    cursor = {
        "last_tick": now.isoformat(),
        "files": digest,
        "waiting": [
            {"id": run.definition.id, "scheduled_for": run.scheduled_for.isoformat()}
            for run in waiting
        ],
    }
    return dg.SensorResult(
        run_requests=[run_request(run) for run in ready],
        dynamic_partitions_requests=partition_requests,
        cursor=json.dumps(cursor),
    )
