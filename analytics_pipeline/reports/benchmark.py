"""Report benchmark through the real query path: a published source table of N
generated rows, then one report definition per format run through
`open_report_cursor` -> `render_report` to a file, timed and measured.

The table is `analytics.user_engagement_metrics` (one row per user and day,
the source of the workspace activity export) with the column types the dbt
model has, filled by one `generate_series` insert: N rows in the report's
workspace over `DAYS` days plus 10% in another workspace that the report's
workspace scope must leave out. It is created, never replaced, so that this
cannot overwrite a real published table: run it in a scratch database
(`analytics-pipeline bench reports` does).

Each format runs in a freshly spawned interpreter: its peak RSS (getrusage
maxrss) covers the whole path (query, streaming, rendering, writing), and the
baseline RSS (after imports, before connecting) shows how much of it the
report itself added.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg2.extensions

from analytics_pipeline import warehouse
from analytics_pipeline.reports.date_ranges import resolve_date_range
from analytics_pipeline.reports.definition import (
    MAX_ROW_LIMIT,
    ReportDefinition,
    parse_definition,
)
from analytics_pipeline.reports.query import open_report_cursor
from analytics_pipeline.reports.render import ReportContext, render_report
from analytics_pipeline.reports.render.benchmark import max_rss_bytes, run_in_child
from analytics_pipeline.reports.sources import REPORT_SOURCES

SOURCE = REPORT_SOURCES["user_engagement_metrics"]
WORKSPACE = "ws_bench"
OTHER_WORKSPACE = "ws_other"
DAYS = 100
FIRST_DAY = date(2026, 1, 1)

# The dbt model's columns and types (read off the warehouse catalog; a dbt
# table has no constraints).
COLUMNS = {
    "metric_date": "date",
    "workspace_id": "text",
    "user_id": "text",
    "events": "bigint",
    "sessions": "bigint",
    "session_seconds": "numeric",
    "page_views": "bigint",
    "feature_uses": "bigint",
    "distinct_features": "bigint",
    "agent_runs": "bigint",
    "credits_consumed": "numeric",
    "error_events": "bigint",
    "first_event_at": "timestamp with time zone",
    "last_event_at": "timestamp with time zone",
}
# Row i: user i / DAYS on day i % DAYS; the other figures are cheap arithmetic
# spreads of i (bigint, so the products cannot overflow).
_FILL = f"""
insert into {SOURCE.qualified_name}
select
    %(first_day)s::date + (i %% {DAYS})::int,
    case when i < %(rows)s then %(workspace)s else %(other)s end,
    'usr_' || lpad(to_hex(i / {DAYS}), 10, '0'),
    1 + (i * 7919) %% 120,
    1 + (i * 31) %% 6,
    round(((i * 104729) %% 3600000) / 1000.0, 3),
    (i * 13) %% 60,
    (i * 17) %% 25,
    least((i * 17) %% 25, 1 + i %% 8),
    (i * 11) %% 10,
    round(((i * 7907) %% 100000) / 10000.0, 4),
    case when i %% 23 = 0 then 1 + i %% 3 else 0 end,
    first_event_at,
    first_event_at + ((i * 101) %% 36000) * interval '1 second'
from generate_series(0::bigint, %(total)s - 1) as i
cross join lateral (
    select %(first_day)s::timestamptz
        + (i %% {DAYS}) * interval '1 day'
        + ((i * 37) %% 43200) * interval '1 second' as first_event_at
) as times
"""


def create_source_table(conn: psycopg2.extensions.connection, rows: int) -> int:
    """Create and fill the source table (`rows` in the report's workspace, 10%
    more in another); returns the rows inserted. Fails if the table exists."""
    columns = ", ".join(f"{name} {data_type}" for name, data_type in COLUMNS.items())
    with conn.cursor() as cur:
        cur.execute(f"create schema if not exists {SOURCE.schema}")
        cur.execute(f"create table {SOURCE.qualified_name} ({columns})")
        cur.execute(
            _FILL,
            {
                "first_day": FIRST_DAY,
                "rows": rows,
                "total": rows + rows // 10,
                "workspace": WORKSPACE,
                "other": OTHER_WORKSPACE,
            },
        )
        inserted = cur.rowcount
    warehouse.isolate_workspaces(conn, SOURCE.qualified_name)
    conn.commit()
    with conn.cursor() as cur:
        cur.execute(f"analyze {SOURCE.qualified_name}")
    conn.commit()
    return inserted


def benchmark_definition() -> ReportDefinition:
    """Every column of the workspace's rows over the whole period, sorted like the
    workspace activity export."""
    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    return parse_definition(
        {
            "id": "bench_user_engagement",
            "name": "Benchmark: user engagement export",
            "report_type": "export",
            "workspace_id": WORKSPACE,
            "configuration": {
                "data_source": SOURCE.name,
                "columns": [c for c in COLUMNS if c != SOURCE.workspace_column],
                "sorting": ["metric_date", "user_id"],
                "date_range": {"start": FIRST_DAY, "end": last_day},
                "limit": MAX_ROW_LIMIT,
            },
        }
    )


def run_report(fmt: str, directory: str) -> dict:
    """Run the benchmark definition to a `fmt` file in `directory`: figures of
    this process (meant to be a fresh one)."""
    definition = benchmark_definition()
    config = definition.configuration
    reference = FIRST_DAY + timedelta(days=DAYS)
    baseline = max_rss_bytes()
    started = time.perf_counter()
    with (
        warehouse.connect(warehouse.Role.READER) as conn,
        open_report_cursor(conn, definition, reference) as (columns, rows),
    ):
        context = ReportContext(
            report_id=definition.id,
            title=definition.name,
            data_source=config.data_source,
            date_range=resolve_date_range(config.date_range, reference),
            generated_at=datetime.now(UTC),
            workspace_id=definition.workspace_id,
        )
        rendered = render_report(fmt, columns, rows, context, Path(directory), definition.id)
    seconds = time.perf_counter() - started
    return {
        "format": fmt,
        "rows": rendered.record_count,
        "bytes": rendered.size,
        "path": str(rendered.path),
        "seconds": round(seconds, 2),
        "rows_per_second": round(rendered.record_count / seconds),
        "baseline_rss_bytes": baseline,
        "peak_rss_bytes": max_rss_bytes(),
    }


@dataclass(frozen=True)
class BenchmarkResult:
    table_rows: int  # generated: the report's rows and the other workspace's
    generation_seconds: float
    formats: list[dict]  # per format: `run_report`'s figures and rss_growth_bytes


def benchmark_reports(
    rows: int, directory: Path, formats: Sequence[str] = ("csv", "xlsx")
) -> BenchmarkResult:
    """Create the source with `rows` report rows in the current warehouse
    database, then run the report once per format, each in a spawned process;
    the files stay in `directory`."""
    if not 1 <= rows <= MAX_ROW_LIMIT:
        raise ValueError(f"rows must be between 1 and {MAX_ROW_LIMIT:,} (the report row cap)")
    started = time.perf_counter()
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        inserted = create_source_table(conn, rows)
    generation_seconds = time.perf_counter() - started
    results = []
    for fmt in formats:
        figures = run_in_child(run_report, fmt, str(directory), start_method="spawn")
        if figures["rows"] != rows:
            raise RuntimeError(f"{fmt}: the report has {figures['rows']:,} of {rows:,} rows")
        figures["rss_growth_bytes"] = figures["peak_rss_bytes"] - figures["baseline_rss_bytes"]
        results.append(figures)
    return BenchmarkResult(inserted, round(generation_seconds, 2), results)
