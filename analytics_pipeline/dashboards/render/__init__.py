"""Dashboard rendering: one run's data to one HTML file or one PDF file,
written atomically under ``$ANALYTICS_HOME/dashboards/<id>/`` (the report
machinery's `AtomicFile`: size and SHA-256 computed as the bytes go by)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from analytics_pipeline.dashboards.data import DashboardData, WidgetRows
from analytics_pipeline.dashboards.render.html_format import render_html
from analytics_pipeline.dashboards.render.pdf_format import write_dashboard_pdf
from analytics_pipeline.dashboards.render.views import chart_data, reading_order
from analytics_pipeline.reports.render import RenderedFile, check_name
from analytics_pipeline.reports.render.atomic import AtomicFile
from analytics_pipeline.settings import get_settings

FORMATS = {"html": ".html", "pdf": ".pdf"}


def dashboard_directory(dashboard_id: str) -> Path:
    """Where a dashboard's files go: ``$ANALYTICS_HOME/dashboards/<id>/``."""
    check_name("dashboard id", dashboard_id)
    return get_settings().home / "dashboards" / dashboard_id


def render_dashboard(
    fmt: str,
    data: DashboardData,
    directory: Path,
    file_stem: str,
    *,
    generated_at: datetime,
    tenant: str,
) -> RenderedFile:
    """Write ``directory/<file_stem>.<fmt>`` atomically (replacing a previous
    file of that name; nothing left behind on error). ``tenant`` is the
    workspace in words; ``record_count`` the rows behind the widgets."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    check_name("file stem", file_stem)
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    with AtomicFile(directory / f"{file_stem}{FORMATS[fmt]}") as out:
        if fmt == "html":
            out.write(render_html(data, generated_at, tenant).encode("utf-8"))
        else:
            write_dashboard_pdf(data, out, generated_at, tenant)
    written = out.result
    assert written is not None
    return RenderedFile(
        path=written.path,
        size=written.size,
        sha256=written.sha256,
        record_count=data.record_count,
        generation_time_ms=round((time.perf_counter() - started) * 1000),
    )


def write_thumbnail(data: DashboardData, directory: Path, file_stem: str) -> Path | None:
    """A small PNG of the dashboard's first chart with data (in reading order),
    ``directory/<file_stem>.preview.png``, written atomically: the preview a
    Dagster materialization shows. None when no chart has data."""
    check_name("file stem", file_stem)
    for widget in reading_order(data.definition.widgets):
        result = data.widgets.get(widget.id)
        if widget.type != "chart" or not isinstance(result, WidgetRows) or not result.has_data:
            continue
        png = chart_data(data.definition, widget, result).render_png(
            width_in=4.0, height_in=1.8, dpi=72
        )
        directory.mkdir(parents=True, exist_ok=True)
        with AtomicFile(directory / f"{file_stem}.preview.png") as out:
            out.write(png)
        return out.result.path
    return None
