"""Dagster definitions of the alerts: the rule assets, and the watchdog that
evaluates them every day whether or not the daily run had data to build.

The daily job evaluates every rule after the tables it reads, for the day
it builds (and the hourly job the rules on hourly_metrics, for today). That
job is skipped while the day's data has not arrived (`data_gate`), which is
exactly when a `missing` rule must fire: the watchdog runs the alerts alone
for yesterday at 06:00 UTC, with no gate. A day judged twice notifies once
(the second evaluation sees the state the first one left).
"""

import datetime as dt

import dagster as dg

from analytics_pipeline import groups
from analytics_pipeline.alerts.assets import build_alert_assets

SCHEDULE_TIMEZONE = "UTC"

alerts_job = dg.define_asset_job(
    "alerts_job",
    selection=dg.AssetSelection.groups(groups.ALERTS),
    description="Syncs the alert rules and evaluates every rule for one day.",
)


@dg.schedule(
    job=alerts_job,
    cron_schedule="0 6 * * *",
    execution_timezone=SCHEDULE_TIMEZONE,
    name="alerts_watchdog_schedule",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Evaluates every alert rule for yesterday even when the daily run was "
    "skipped for lack of data: a silent pipeline fires the `missing` rules.",
)
def alerts_watchdog_schedule(context: dg.ScheduleEvaluationContext):
    moment = context.scheduled_execution_time.astimezone(dt.UTC)
    day = (moment.date() - dt.timedelta(days=1)).isoformat()
    return dg.RunRequest(run_key=f"alerts-{day}", partition_key=day)


defs = dg.Definitions(
    assets=build_alert_assets(), jobs=[alerts_job], schedules=[alerts_watchdog_schedule]
)
