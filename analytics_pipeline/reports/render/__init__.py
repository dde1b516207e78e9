"""Report rendering: one query result (a one-pass row stream) to a CSV, XLSX,
PDF or JSON file, written atomically under ``$ANALYTICS_HOME/reports/<id>/``.

CSV, XLSX and JSON read the stream once in constant memory; a PDF shows at most
``max_pdf_rows`` table rows and ``max_chart_points`` chart points but still
reads every row to count them. See each ``*_format`` module for its layout and
``values`` for how cell values are written.

CSV and JSON are for machines: raw column names and exact raw values. PDF and
XLSX are for readers: each column's ``ColumnStyle`` gives its header label,
whether it is a rate (shown as a percentage) and names for ids. A result
without rows says so in PDF and XLSX ("No data for <period>."), in JSON as the
``note`` after ``record_count``; a CSV is then just its header.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from analytics_pipeline.reports.render.atomic import AtomicFile
from analytics_pipeline.reports.render.chart import CHART_TYPES, ChartSpec
from analytics_pipeline.reports.render.csv_format import write_csv
from analytics_pipeline.reports.render.json_format import write_json
from analytics_pipeline.reports.render.pdf_format import (
    DEFAULT_MAX_CHART_POINTS,
    DEFAULT_MAX_TABLE_ROWS,
    write_pdf,
)
from analytics_pipeline.reports.render.values import ColumnStyle
from analytics_pipeline.reports.render.xlsx_format import write_xlsx
from analytics_pipeline.reports.sources import every_tenant
from analytics_pipeline.settings import get_settings

FORMATS = {"csv": ".csv", "xlsx": ".xlsx", "pdf": ".pdf", "json": ".json"}

# Report ids and file stems become path components: no separators, no dot files.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}")

__all__ = [
    "CHART_TYPES",
    "FORMATS",
    "ChartSpec",
    "ColumnStyle",
    "RenderedFile",
    "ReportContext",
    "render_report",
    "report_directory",
]


@dataclass(frozen=True, kw_only=True)
class ReportContext:
    """What the title block (PDF, XLSX ``About`` sheet) and the JSON metadata show.

    ``date_range`` is inclusive (None: the report reads all dates); ``filters``
    are human-readable descriptions of the applied filters; naive datetimes are
    taken as UTC.
    """

    report_id: str
    title: str
    data_source: str
    date_range: tuple[date, date] | None
    generated_at: datetime
    description: str | None = None
    workspace_id: str | None = None
    workspace_name: str | None = None
    tenant_label: str = "Workspace"  # what the source's tenant is called
    filters: Sequence[str] = ()
    scheduled_for: datetime | None = None
    chart_type: str | None = None
    chart_x: str | None = None
    chart_y: Sequence[str] = ()

    def __post_init__(self) -> None:
        for name in ("filters", "chart_y"):
            if isinstance(getattr(self, name), str):
                raise TypeError(f"{name} is a list of strings, not a string")
        if self.date_range is not None and self.date_range[0] > self.date_range[1]:
            start, end = self.date_range
            raise ValueError(f"date range starts after it ends: {start} > {end}")
        self.chart_spec()  # validates the chart settings

    @property
    def period(self) -> str:
        """The date range in words: ``2026-09-01 to 2026-09-30``, one day, or all dates."""
        if self.date_range is None:
            return "all dates"
        start, end = self.date_range
        return start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"

    @property
    def no_data(self) -> str:
        """What a reader is told when the result has no rows."""
        if self.date_range is None:
            return "No data."
        return f"No data for {self.period}."

    @property
    def workspace(self) -> str:
        """The workspace in words: its name (and id), or all workspaces
        (organizations, for the HR pack's sources; departments, or the whole
        hospital, for the hospital pack's)."""
        if self.workspace_id is None:
            return every_tenant(self.tenant_label)
        if self.workspace_name:
            return f"{self.workspace_name} ({self.workspace_id})"
        return self.workspace_id

    def chart_spec(self) -> ChartSpec | None:
        """The chart to draw (PDF only), or None without a chart type."""
        if self.chart_type is None:
            return None
        return ChartSpec(self.chart_type, self.chart_x, tuple(self.chart_y))


@dataclass(frozen=True)
class RenderedFile:
    path: Path
    size: int
    sha256: str
    record_count: int
    generation_time_ms: int


def report_directory(report_id: str) -> Path:
    """Where a report's files go: ``$ANALYTICS_HOME/reports/<report_id>/``."""
    check_name("report id", report_id)
    return get_settings().home / "reports" / report_id


def check_name(what: str, name: str) -> None:
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} must be 1-200 letters, digits, '_', '-' or '.', "
            "not starting with '.' or '-'"
        )


def _checked(rows: Iterable[Sequence], width: int) -> Iterator[Sequence]:
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ValueError(f"row {number} has {len(row)} values for {width} columns")
        yield row


def _about(context: ReportContext) -> list[tuple[str, object]]:
    if context.date_range is None:
        date_range = "all dates"
    else:
        date_range = f"{context.date_range[0].isoformat()} to {context.date_range[1].isoformat()}"
    about: list[tuple[str, object]] = [
        ("Report", context.report_id),
        (context.tenant_label, context.workspace),
        ("Data source", context.data_source),
        ("Date range", date_range),
        ("Filters", list(context.filters) or ["none"]),
        ("Generated at (UTC)", context.generated_at),
    ]
    if context.scheduled_for is not None:
        about.append(("Scheduled for (UTC)", context.scheduled_for))
    return about


def _metadata(context: ReportContext) -> dict[str, object]:
    span = context.date_range
    spec = context.chart_spec()
    return {
        "report_id": context.report_id,
        "title": context.title,
        "description": context.description,
        "workspace_id": context.workspace_id,
        "workspace_name": context.workspace_name,
        "data_source": context.data_source,
        "date_range": None if span is None else {"start": span[0], "end": span[1]},
        "filters": list(context.filters),
        "generated_at": context.generated_at,
        "scheduled_for": context.scheduled_for,
        "chart": None if spec is None else {"type": spec.kind, "x": spec.x, "y": list(spec.y)},
    }


def render_report(
    fmt: str,
    columns: Sequence[str],
    rows: Iterable[Sequence],
    context: ReportContext,
    directory: Path,
    file_stem: str,
    *,
    max_pdf_rows: int = DEFAULT_MAX_TABLE_ROWS,
    max_chart_points: int = DEFAULT_MAX_CHART_POINTS,
    column_styles: Sequence[ColumnStyle] | None = None,
) -> RenderedFile:
    """Render ``rows`` (consumed once) to ``directory/<file_stem>.<fmt>``.

    ``column_styles`` (one per column; default the raw names) shape the PDF and
    XLSX only.

    The file appears atomically, replacing any previous file of that name; on
    error nothing is left behind. ``generation_time_ms`` includes reading the
    rows (for a server-side cursor, the query's streaming time).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    check_name("file stem", file_stem)
    columns = list(columns)
    if not columns:
        raise ValueError("a report needs at least one column")
    if column_styles is not None and len(column_styles) != len(columns):
        raise ValueError(f"{len(column_styles)} column styles for {len(columns)} columns")
    chart = context.chart_spec() if fmt == "pdf" else None
    if chart is not None:
        chart.check_columns(columns)

    started = time.perf_counter()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rows = _checked(rows, len(columns))
    with AtomicFile(directory / f"{file_stem}{FORMATS[fmt]}") as out:
        if fmt == "csv":
            count = write_csv(columns, rows, out)
        elif fmt == "json":
            count = write_json(columns, rows, _metadata(context), out, no_data=context.no_data)
        elif fmt == "pdf":
            count = write_pdf(
                columns,
                rows,
                out,
                title=context.title,
                description=context.description,
                about=_about(context),
                chart=chart,
                generated_at=context.generated_at,
                max_table_rows=max_pdf_rows,
                max_chart_points=max_chart_points,
                column_styles=column_styles,
                no_data=context.no_data,
            )
        else:
            about = [("Title", context.title)]
            if context.description:
                about.append(("Description", context.description))
            with tempfile.TemporaryDirectory(prefix=".xlsx-work-", dir=directory) as workdir:
                count = write_xlsx(
                    columns,
                    rows,
                    [*about, *_about(context)],
                    out.handover_path(),
                    Path(workdir),
                    column_styles=column_styles,
                    no_data=context.no_data,
                )
    written = out.result
    assert written is not None
    return RenderedFile(
        path=written.path,
        size=written.size,
        sha256=written.sha256,
        record_count=count,
        generation_time_ms=round((time.perf_counter() - started) * 1000),
    )
