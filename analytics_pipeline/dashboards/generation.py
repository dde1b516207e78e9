"""Rendering one dashboard for one scheduled time: claim an execution per
format (html, pdf), read the widgets' data once, write each file atomically
and record it (path, size, SHA-256, rows) or the error.

No Dagster here: the dashboard assets (`dashboards.assets`), the CLI and the
tests call `generate_dashboard`. A failing format is recorded and does not stop the
other. The files made are e-mailed to the schedule's recipients in one
message, as a report's are (`reports.delivery`), and the delivery recorded on
each execution. A small PNG of the first chart is left beside the files as
the materialization's preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from psycopg2.extensions import connection

from analytics_pipeline.dashboards.control import DASHBOARD_EXECUTIONS
from analytics_pipeline.dashboards.data import DashboardData, fetch_dashboard_data
from analytics_pipeline.dashboards.definition import DashboardDefinition
from analytics_pipeline.dashboards.render import (
    dashboard_directory,
    render_dashboard,
    write_thumbnail,
)
from analytics_pipeline.reports.date_ranges import DateSpan, resolve_date_range
from analytics_pipeline.reports.delivery import DeliveryResult, deliver, record_delivery
from analytics_pipeline.reports.executions import (
    Execution,
    ExecutionStateError,
    claim_execution,
    complete_execution,
    error_text,
    fail_execution,
    find_execution,
)
from analytics_pipeline.reports.generation import FormatOutcome
from analytics_pipeline.reports.query import DEFAULT_STATEMENT_TIMEOUT_MS, fetch_workspace_names
from analytics_pipeline.reports.schedule import local_date
from analytics_pipeline.settings import SmtpSettings

ALL_WORKSPACES = "all workspaces"


@dataclass(frozen=True)
class DashboardRun:
    dashboard_id: str
    scheduled_for: datetime
    reference_date: date
    outcomes: tuple[FormatOutcome, ...]
    delivery: DeliveryResult | None = None  # None: no file made by this run
    # A small PNG of the first chart (not an execution's file; None: no chart
    # with data, or no file made by this run).
    thumbnail: Path | None = None

    @property
    def failed(self) -> list[FormatOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]


def dashboard_reference_date(definition: DashboardDefinition, scheduled_for: datetime) -> date:
    """The dashboard's "today": the scheduled time's date in the schedule's
    time zone (UTC without a schedule), as for reports."""
    if definition.schedule is None:
        return scheduled_for.astimezone(UTC).date()
    return local_date(definition.schedule, scheduled_for)


def file_stem(definition: DashboardDefinition, scheduled_for: datetime) -> str:
    """`<dashboard id>_<scheduled time, UTC>`: one file per run and format."""
    return f"{definition.id}_{scheduled_for.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def dashboard_formats(definition: DashboardDefinition, formats: Sequence[str] | None) -> list[str]:
    """Those asked for, else the schedule's, else html and pdf."""
    if formats:
        return list(dict.fromkeys(formats))
    return list(definition.schedule.formats) if definition.schedule else ["html", "pdf"]


def generate_dashboard(
    conn: connection,
    definition: DashboardDefinition,
    scheduled_for: datetime,
    *,
    reference_date: date | None = None,
    formats: Sequence[str] | None = None,
    executed_by: str | None = None,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
    query_conn: connection | None = None,
    smtp_env: dict[str, str] | None = None,
) -> DashboardRun:
    """Produce the dashboard's files for `scheduled_for` (aware).

    `reference_date` is the dashboard's "today" (default: from the scheduled
    time). Executions are rows of control.dashboard_executions in `conn`; the
    widgets' data is read through `query_conn` (the reader role's, in
    production; default `conn`). A format completed for this scheduled time
    (or running elsewhere) is skipped, a failed one retried. `smtp_env`
    replaces the process environment for the SMTP settings.
    """
    if scheduled_for.tzinfo is None:
        raise ValueError("scheduled_for must be timezone-aware")
    today = reference_date or dashboard_reference_date(definition, scheduled_for)
    span = resolve_date_range(definition.date_range, today)
    parameters = {
        "reference_date": today.isoformat(),
        "workspace_id": definition.workspace_id,
        "role": definition.role,
        "widgets": [widget.id for widget in definition.widgets],
        "statement_timeout_ms": statement_timeout_ms,
    }
    outcomes: dict[str, FormatOutcome] = {}
    claimed: dict[str, Execution] = {}
    thumbnail: Path | None = None
    for fmt in dashboard_formats(definition, formats):
        execution = claim_execution(
            conn,
            definition.id,
            scheduled_for,
            fmt,
            parameters,
            span,
            executed_by,
            table=DASHBOARD_EXECUTIONS,
        )
        if execution is None:
            existing = find_execution(
                conn, definition.id, scheduled_for, fmt, table=DASHBOARD_EXECUTIONS
            )
            status = existing.status if existing else "unknown"
            outcomes[fmt] = FormatOutcome(
                fmt, "skipped", existing, message=f"execution already {status}"
            )
        else:
            claimed[fmt] = execution
    if claimed:
        query_conn = query_conn or conn
        try:
            data = fetch_dashboard_data(
                query_conn, definition, today, statement_timeout_ms=statement_timeout_ms
            )
            tenant = _tenant(query_conn, definition, statement_timeout_ms)
        except Exception as exc:
            for fmt, execution in claimed.items():
                outcomes[fmt] = _failed(conn, fmt, execution, exc)
        else:
            for fmt, execution in claimed.items():
                outcomes[fmt] = _render(
                    conn, definition, scheduled_for, fmt, execution, data, tenant
                )
            if any(o.status == "completed" for o in outcomes.values()):
                thumbnail = _thumbnail(definition, scheduled_for, data)
    ordered = tuple(outcomes[fmt] for fmt in dashboard_formats(definition, formats))
    delivery = _deliver(conn, definition, scheduled_for, span, ordered, smtp_env)
    return DashboardRun(definition.id, scheduled_for, today, ordered, delivery, thumbnail)


def _thumbnail(
    definition: DashboardDefinition, scheduled_for: datetime, data: DashboardData
) -> Path | None:
    """The preview PNG; a failure to draw it costs the preview only, never the run."""
    try:
        return write_thumbnail(
            data, dashboard_directory(definition.id), file_stem(definition, scheduled_for)
        )
    except Exception:  # noqa: BLE001 (the files are made and recorded already)
        return None


def _render(
    conn: connection,
    definition: DashboardDefinition,
    scheduled_for: datetime,
    fmt: str,
    execution: Execution,
    data: DashboardData,
    tenant: str,
) -> FormatOutcome:
    try:
        rendered = render_dashboard(
            fmt,
            data,
            dashboard_directory(definition.id),
            file_stem(definition, scheduled_for),
            # Readers see times to the second.
            generated_at=datetime.now(UTC).replace(microsecond=0),
            tenant=tenant,
        )
        completed = complete_execution(conn, execution.id, rendered, table=DASHBOARD_EXECUTIONS)
    except ExecutionStateError as exc:  # marked failed as stuck meanwhile
        return FormatOutcome(fmt, "failed", execution, message=str(exc))
    except Exception as exc:
        return _failed(conn, fmt, execution, exc)
    return FormatOutcome(fmt, "completed", completed)


def _failed(conn: connection, fmt: str, execution: Execution, exc: Exception) -> FormatOutcome:
    failed = fail_execution(conn, execution.id, exc, table=DASHBOARD_EXECUTIONS)
    return FormatOutcome(fmt, "failed", failed, message=error_text(exc))


def _tenant(query_conn: connection, definition: DashboardDefinition, timeout_ms: int) -> str:
    """The workspace in words: its name and id where known, or all workspaces."""
    if definition.workspace_id is None:
        return ALL_WORKSPACES
    names = fetch_workspace_names(
        query_conn, definition.workspace_id, statement_timeout_ms=timeout_ms
    )
    name = names.get(definition.workspace_id)
    return f"{name} ({definition.workspace_id})" if name else definition.workspace_id


def _deliver(
    conn: connection,
    definition: DashboardDefinition,
    scheduled_for: datetime,
    span: DateSpan,
    outcomes: Sequence[FormatOutcome],
    smtp_env: dict[str, str] | None,
) -> DeliveryResult | None:
    """One e-mail with every file completed in this run; recorded on each."""
    completed = [o.execution for o in outcomes if o.status == "completed" and o.execution]
    if not completed:
        return None
    recipients = definition.schedule.recipients if definition.schedule else ()
    try:
        settings = SmtpSettings.from_env(smtp_env)
    except ValueError as exc:
        result = DeliveryResult("failed", f"bad SMTP settings: {exc}", tuple(recipients))
    else:
        files = "\n".join(f"- {e.file_path.name}" for e in completed)
        result = deliver(
            settings,
            recipients,
            f"{definition.name} ({scheduled_for.astimezone(UTC):%Y-%m-%d %H:%M} UTC)",
            f"{definition.name}\n{definition.description}\n\nData: {span[0]} to {span[1]}\n\n"
            f"{files}\n",
            [e.file_path for e in completed],
        )
    for execution in completed:
        record_delivery(conn, execution.id, result, table=DASHBOARD_EXECUTIONS)
    return result
