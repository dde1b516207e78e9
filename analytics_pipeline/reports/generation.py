"""Generating one report for one scheduled time: for each format, claim its
execution, stream the query into the renderer and record the file (or the
error); then e-mail the new files and record the delivery.

No Dagster here: the report assets, the CLI and the tests all call
`generate_report`. A failing format is recorded and does not stop the others;
the caller decides what a failure means for its run.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import psycopg2
import yaml
from psycopg2.extensions import connection

from analytics_pipeline.reports.columns import column_docs, column_styles
from analytics_pipeline.reports.date_ranges import resolve_date_range
from analytics_pipeline.reports.definition import DefinitionError, Filter, ReportDefinition
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
from analytics_pipeline.reports.query import (
    DEFAULT_STATEMENT_TIMEOUT_MS,
    fetch_workspace_names,
    open_report_cursor,
    report_source,
)
from analytics_pipeline.reports.render import (
    ColumnStyle,
    ReportContext,
    render_report,
    report_directory,
)
from analytics_pipeline.reports.schedule import local_date
from analytics_pipeline.settings import SmtpSettings

PREVIEW_ROWS = 10
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FormatOutcome:
    """What happened to one format: `completed` (rendered now), `failed`, or
    `skipped` (completed before, or running in another process)."""

    format: str
    status: str
    execution: Execution | None
    columns: tuple[str, ...] = ()
    preview_rows: tuple[tuple[Any, ...], ...] = ()  # the first PREVIEW_ROWS rows
    message: str | None = None


@dataclass(frozen=True)
class GenerationResult:
    report_id: str
    scheduled_for: datetime
    reference_date: date
    data_range: tuple[date, date] | None
    outcomes: tuple[FormatOutcome, ...]
    delivery: DeliveryResult | None = None

    @property
    def failed(self) -> list[FormatOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]


def reference_date(definition: ReportDefinition, scheduled_for: datetime) -> date:
    """The report's "today": the scheduled time's date in the schedule's time
    zone (UTC without a schedule). Relative date ranges resolve against it."""
    if definition.schedule is None:
        return scheduled_for.astimezone(UTC).date()
    return local_date(definition.schedule, scheduled_for)


def describe_filter(item: Filter) -> str:
    """A filter as the report's readers see it, e.g. `severity in (critical, high)`."""
    operator = item.operator
    if operator in ("is_null", "is_not_null"):
        return f"{item.column} {operator.replace('_', ' ')}"
    if operator == "between":
        low, high = item.value
        return f"{item.column} between {low} and {high}"
    if operator in ("in", "not_in"):
        return f"{item.column} {operator.replace('_', ' ')} ({', '.join(map(str, item.value))})"
    return f"{item.column} {operator} {item.value}"


def file_stem(definition: ReportDefinition, scheduled_for: datetime) -> str:
    """`<report id>_<scheduled time, UTC>`: one file per run and format."""
    return f"{definition.id}_{scheduled_for.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def report_context(
    definition: ReportDefinition,
    scheduled_for: datetime,
    data_range: tuple[date, date] | None,
    generated_at: datetime,
    workspace_name: str | None = None,
) -> ReportContext:
    config = definition.configuration
    return ReportContext(
        report_id=definition.id,
        title=definition.name,
        description=definition.description or None,
        data_source=config.data_source,
        workspace_id=definition.workspace_id,
        workspace_name=workspace_name,
        tenant_label=report_source(definition).tenant_label,
        date_range=data_range,
        filters=[describe_filter(item) for item in config.filters],
        generated_at=generated_at,
        scheduled_for=scheduled_for,
        chart_type=config.chart_type,
        chart_x=config.chart_x,
        chart_y=config.chart_y,
    )


def report_formats(definition: ReportDefinition, formats: Sequence[str] | None) -> list[str]:
    """The formats to produce: those asked for, else the schedule's, else CSV."""
    if formats:
        return list(dict.fromkeys(formats))
    return list(definition.schedule.formats) if definition.schedule else ["csv"]


@dataclass
class _Preview:
    """Passes rows through, keeping the first few."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def watch(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        iterator = iter(rows)
        for row in itertools.islice(iterator, PREVIEW_ROWS):
            self.rows.append(tuple(row))
            yield row
        yield from iterator


def generate_report(
    conn: connection,
    definition: ReportDefinition,
    scheduled_for: datetime,
    *,
    formats: Sequence[str] | None = None,
    executed_by: str | None = None,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
    smtp_env: dict[str, str] | None = None,
    query_conn: connection | None = None,
) -> GenerationResult:
    """Produce the report's files for `scheduled_for` (aware) and deliver them.

    Each format is one execution row in `conn`, claimed first: a format already
    completed for this scheduled time (or running elsewhere) is skipped, a
    failed one is retried. The report's data is read through `query_conn` (the
    reader role's, in production; default `conn`). `smtp_env` replaces the
    process environment for the SMTP settings.
    """
    if scheduled_for.tzinfo is None:
        raise ValueError("scheduled_for must be timezone-aware")
    today = reference_date(definition, scheduled_for)
    date_range = definition.configuration.date_range
    span = resolve_date_range(date_range, today) if date_range else None
    parameters = {
        "reference_date": today.isoformat(),
        "data_source": definition.configuration.data_source,
        "workspace_id": definition.workspace_id,
        "statement_timeout_ms": statement_timeout_ms,
    }
    query_conn = query_conn or conn
    names = _workspace_names(query_conn, definition, statement_timeout_ms)
    styles = _column_styles(definition, names)
    outcomes = [
        _generate_format(
            conn,
            definition,
            scheduled_for,
            fmt,
            today,
            span,
            parameters,
            executed_by,
            statement_timeout_ms,
            query_conn,
            styles,
            names.get(definition.workspace_id) if definition.workspace_id else None,
        )
        for fmt in report_formats(definition, formats)
    ]
    delivery = _deliver(conn, definition, scheduled_for, span, outcomes, smtp_env)
    return GenerationResult(definition.id, scheduled_for, today, span, tuple(outcomes), delivery)


def _generate_format(
    conn: connection,
    definition: ReportDefinition,
    scheduled_for: datetime,
    fmt: str,
    today: date,
    span: tuple[date, date] | None,
    parameters: dict[str, Any],
    executed_by: str | None,
    statement_timeout_ms: int,
    query_conn: connection,
    styles: Sequence[ColumnStyle],
    workspace_name: str | None,
) -> FormatOutcome:
    execution = claim_execution(
        conn, definition.id, scheduled_for, fmt, parameters, span, executed_by
    )
    if execution is None:
        existing = find_execution(conn, definition.id, scheduled_for, fmt)
        status = existing.status if existing else "unknown"
        return FormatOutcome(fmt, "skipped", existing, message=f"execution already {status}")
    preview = _Preview()
    columns: list[str] = []
    try:
        with open_report_cursor(
            query_conn, definition, today, statement_timeout_ms=statement_timeout_ms
        ) as (columns, rows):
            # Readers see times to the second.
            generated_at = datetime.now(UTC).replace(microsecond=0)
            context = report_context(definition, scheduled_for, span, generated_at, workspace_name)
            rendered = render_report(
                fmt,
                columns,
                preview.watch(rows),
                context,
                report_directory(definition.id),
                file_stem(definition, scheduled_for),
                column_styles=styles if len(styles) == len(columns) else None,
            )
        execution = complete_execution(conn, execution.id, rendered)
    except ExecutionStateError as exc:  # marked failed as stuck meanwhile
        return FormatOutcome(fmt, "failed", execution, message=str(exc))
    except Exception as exc:
        failed = fail_execution(conn, execution.id, exc)
        return FormatOutcome(fmt, "failed", failed, message=error_text(exc))
    return FormatOutcome(fmt, "completed", execution, tuple(columns), tuple(preview.rows))


def _workspace_names(
    query_conn: connection, definition: ReportDefinition, statement_timeout_ms: int
) -> dict[str, str]:
    """The workspace names the report shows; none (ids stay) when they cannot
    be read, which must not cost the report itself."""
    try:
        return fetch_workspace_names(
            query_conn, definition.workspace_id, statement_timeout_ms=statement_timeout_ms
        )
    except psycopg2.Error as exc:
        log.warning("report %s: workspace names not read: %s", definition.id, exc)
        return {}


def _column_styles(definition: ReportDefinition, names: dict[str, str]) -> list[ColumnStyle]:
    """Labels and rates from the dbt docs; none (raw names) when the source is
    unknown (the query then fails, recorded per format) or its docs unreadable."""
    try:
        source = report_source(definition)
    except DefinitionError:
        return []
    try:
        docs = column_docs(source)
    except (OSError, yaml.YAMLError) as exc:
        log.warning("report %s: dbt column docs not read: %s", definition.id, exc)
        docs = {}
    return column_styles(definition, source, docs, names)


def _deliver(
    conn: connection,
    definition: ReportDefinition,
    scheduled_for: datetime,
    span: tuple[date, date] | None,
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
        period = "all dates" if span is None else f"{span[0]} to {span[1]}"
        files = "\n".join(f"- {e.file_path.name} ({e.record_count} rows)" for e in completed)
        result = deliver(
            settings,
            recipients,
            f"{definition.name} ({scheduled_for.astimezone(UTC):%Y-%m-%d %H:%M} UTC)",
            f"{definition.name}\n{definition.description}\n\nData: {period}\n\n{files}\n",
            [e.file_path for e in completed],
        )
    for execution in completed:
        record_delivery(conn, execution.id, result)
    return result
