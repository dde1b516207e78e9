"""The daily and hourly runs and the dbt snapshots, each with an explicit timezone.

- daily, 02:00 UTC: yesterday's partition of every daily-partitioned model
  and what follows it: the learning assets (group `learning`, Python) and
  the mastery history (snapshot of topic_mastery, mastery_progression), the
  hospital pack's small-cell rule and its published tables;
- hourly, at :10: today's (filling) partition of the hourly aggregates;
- both evaluate the alert rules on what they built (`alerts.definitions` has
  the watchdog that evaluates them when the data gate skipped the day);
- daily, 01:30 UTC: dbt snapshots of the mutable entities;
- hourly, at :05: the hospital pack's extraction from its operational
  database (skipped while none is configured).
Staging models follow new raw data on their own (automation condition eager,
evaluated by `automation_condition_sensor`), so the partitioned runs read
fresh tables.

The partitioned schedules skip a day whose data has not arrived
(`data_gate`). Every schedule (and the automation sensor) starts running when the code
location is first loaded (DEFAULT_STATUS): a deployed pipeline runs on its
own. Stopping one in the UI is recorded in the Dagster instance and survives
restarts.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from analytics_pipeline import groups
from analytics_pipeline.alerts.assets import ALERT_RULES, hourly_rule_keys
from analytics_pipeline.dbt.assets import (
    dbt_daily_models,
    dbt_hospital_figures,
    dbt_hospital_published,
    dbt_mastery_history,
    dbt_snapshots,
)
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.hospital.assets import hospital_small_cells
from analytics_pipeline.ingest.assets import EXTRACTED, raw_asset_key
from analytics_pipeline.orchestration.data_gate import skip_until_data_reaches
from analytics_pipeline.partitions import daily_partitions
from analytics_pipeline.settings import get_settings

SCHEDULE_TIMEZONE = "UTC"
DEFAULT_STATUS = dg.DefaultScheduleStatus.RUNNING
HOURLY_AGGREGATES = table_asset_key("analytics", "hourly_metrics")


def _day_key(moment: dt.datetime, days_back: int) -> str:
    return (moment.astimezone(dt.UTC).date() - dt.timedelta(days=days_back)).isoformat()


def _day_start(key: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(key), dt.time(), tzinfo=dt.UTC)


def build_schedules() -> tuple[list[dg.ScheduleDefinition], list[dg.UnresolvedAssetJobDefinition]]:
    schedules, jobs = [], []
    if dbt_daily_models is not None:
        daily_job = dg.define_asset_job(
            "daily_analytics_job",
            selection=dg.AssetSelection.assets(dbt_daily_models)
            | dg.AssetSelection.groups(groups.LEARNING)
            | dg.AssetSelection.assets(hospital_small_cells)
            # the alerts judge the day once the tables they read are built
            | dg.AssetSelection.groups(groups.ALERTS)
            | dg.AssetSelection.assets(
                *[
                    a
                    for a in (dbt_mastery_history, dbt_hospital_figures, dbt_hospital_published)
                    if a is not None
                ]
            ),
            partitions_def=daily_partitions,
            description="Daily-partitioned aggregates and marts for one day (with lookback), "
            "then mastery, knowledge gaps, exam readiness and the mastery history as of that "
            "day, the hospital pack's tables with their small cells hidden, and the alert rules "
            "evaluated for that day.",
        )

        @dg.schedule(
            job=daily_job,
            cron_schedule="0 2 * * *",
            execution_timezone=SCHEDULE_TIMEZONE,
            name="daily_analytics_schedule",
            default_status=DEFAULT_STATUS,
        )
        def daily_analytics_schedule(context: dg.ScheduleEvaluationContext):
            key = _day_key(context.scheduled_execution_time, days_back=1)
            return skip_until_data_reaches(_day_start(key)) or dg.RunRequest(
                run_key=f"daily-{key}", partition_key=key
            )

        jobs.append(daily_job)
        schedules.append(daily_analytics_schedule)

        if HOURLY_AGGREGATES in dbt_daily_models.keys:
            hourly_job = dg.define_asset_job(
                "hourly_metrics_job",
                selection=dg.AssetSelection.assets(
                    HOURLY_AGGREGATES, ALERT_RULES, *hourly_rule_keys()
                ),
                partitions_def=daily_partitions,
                description="Refreshes today's partition of the hourly aggregates and "
                "evaluates the alert rules on them for today.",
            )

            @dg.schedule(
                job=hourly_job,
                cron_schedule="10 * * * *",
                execution_timezone=SCHEDULE_TIMEZONE,
                name="hourly_metrics_schedule",
                default_status=DEFAULT_STATUS,
            )
            def hourly_metrics_schedule(context: dg.ScheduleEvaluationContext):
                moment = context.scheduled_execution_time
                key = _day_key(moment, days_back=0)
                return skip_until_data_reaches(_day_start(key)) or dg.RunRequest(
                    run_key=f"hourly-{moment:%Y-%m-%dT%H}", partition_key=key
                )

            jobs.append(hourly_job)
            schedules.append(hourly_metrics_schedule)

    if dbt_snapshots is not None:
        snapshot_job = dg.define_asset_job(
            "dbt_snapshots_job",
            selection=dg.AssetSelection.assets(dbt_snapshots),
            description="Type-2 snapshots of workspaces, users, agents and topics.",
        )
        jobs.append(snapshot_job)
        schedules.append(
            dg.ScheduleDefinition(
                name="dbt_snapshots_schedule",
                job=snapshot_job,
                cron_schedule="30 1 * * *",
                execution_timezone=SCHEDULE_TIMEZONE,
                default_status=DEFAULT_STATUS,
            )
        )
    extract_job = dg.define_asset_job(
        "hospital_extract_job",
        selection=dg.AssetSelection.assets(*(raw_asset_key(name) for name in EXTRACTED)),
        description="Extracts the hospital's operational database: each table's changes "
        "since the last extraction into its raw table.",
    )

    @dg.schedule(
        job=extract_job,
        cron_schedule="5 * * * *",
        execution_timezone=SCHEDULE_TIMEZONE,
        name="hospital_extract_schedule",
        default_status=DEFAULT_STATUS,
    )
    def hospital_extract_schedule(context: dg.ScheduleEvaluationContext):
        if get_settings().hospital_database_url is None:
            return dg.SkipReason(
                "no hospital database configured (ANALYTICS_HOSPITAL_DATABASE_URL)"
            )
        return dg.RunRequest(
            run_key=f"hospital-extract-{context.scheduled_execution_time:%Y-%m-%dT%H}"
        )

    jobs.append(extract_job)
    schedules.append(hospital_extract_schedule)
    return schedules, jobs


# Evaluates the automation conditions (staging: eager) of every asset that has
# one; Dagster's own default sensor for them would start stopped.
automation_condition_sensor = dg.AutomationConditionSensorDefinition(
    "automation_condition_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Materializes the assets whose automation condition asks for it: the staging "
    "models when new raw data landed (eager).",
)
