"""Render benchmark: time and peak memory of CSV / XLSX (or any format) for a
synthetic result of N rows, streamed from a generator (no database).

Each measurement runs in a forked child process (``run_in_child``) so that one
format's memory high-water mark does not hide the next one's, and is done
twice: once plain (wall time, peak RSS growth from ``resource.getrusage``) and
once under ``tracemalloc`` (peak of Python allocations; it slows the run down,
so its time is reported separately as ``traced_seconds``).
"""

from __future__ import annotations

import multiprocessing
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from analytics_pipeline.reports.render import ReportContext, render_report

T = TypeVar("T")

COLUMNS = [
    "day",
    "workspace_id",
    "active_users",
    "events",
    "sessions",
    "revenue",
    "conversion_rate",
    "avg_session_seconds",
]
_START = date(2026, 1, 1)


def synthetic_rows(count: int) -> Iterator[tuple]:
    """``count`` rows shaped like the daily_metrics aggregate, generated lazily."""
    for i in range(count):
        yield (
            _START + timedelta(days=i % 365),
            f"ws_{i % 97:03d}",
            i % 5000,
            (i * 7919) % 1_000_000,
            (i * 31) % 20_000,
            Decimal(f"{(i * 104729) % 10_000_000}.{i % 100:02d}"),
            Decimal(f"0.{(i * 37) % 10_000:04d}"),
            (i % 3600) / 7.0,
        )


def _context(rows: int) -> ReportContext:
    return ReportContext(
        report_id="render_benchmark",
        title=f"Render benchmark ({rows:,} rows)",
        data_source="synthetic",
        date_range=(_START, _START + timedelta(days=364)),
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        filters=[],
        chart_type="line",
        chart_x="day",
        chart_y=["active_users"],
    )


def max_rss_bytes() -> int:
    """This process's peak resident set size so far, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _measure(fmt: str, rows: int, directory: str, traced: bool) -> dict:
    rss_before = max_rss_bytes()
    if traced:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    rendered = render_report(
        fmt, COLUMNS, synthetic_rows(rows), _context(rows), Path(directory), f"bench_{fmt}"
    )
    figures = {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "bytes": rendered.size,
        "record_count": rendered.record_count,
    }
    if traced:
        figures["tracemalloc_peak_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        figures["rss_peak_delta_bytes"] = max_rss_bytes() - rss_before
    rendered.path.unlink()
    return figures


def _child(conn, function: Callable[..., Any], args: tuple) -> None:
    try:
        conn.send(("ok", function(*args)))
    except BaseException as error:  # reported to the parent, which raises
        conn.send(("error", repr(error)))
    finally:
        conn.close()


def run_in_child(function: Callable[..., T], *args: Any, start_method: str = "fork") -> T:
    """``function(*args)`` in a child process, so that its memory high-water mark is
    its own; returns the (picklable) result or raises RuntimeError with the child's
    error. With ``start_method="spawn"`` the child is a fresh interpreter that
    inherits nothing of this process's heap (``function`` must be importable)."""
    context = multiprocessing.get_context(start_method)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args))
    process.start()
    sender.close()
    try:
        status, payload = receiver.recv()
    except EOFError:  # the child died without a word (killed, out of memory)
        status, payload = "error", "the child process died"
    process.join()
    if status != "ok":
        raise RuntimeError(f"{function.__name__}{args!r} failed: {payload}")
    return payload


def benchmark_render(
    rows: int, formats: Sequence[str] = ("csv", "xlsx"), directory: Path | None = None
) -> list[dict]:
    """Render ``rows`` synthetic rows in each format; one dict of figures per
    format, rows, seconds (wall), cpu_seconds (this process; steadier on a busy
    machine), rows_per_second, bytes, rss_peak_delta_bytes, tracemalloc_peak_bytes,
    traced_seconds."""
    with tempfile.TemporaryDirectory(prefix="render-bench-", dir=directory) as work:
        results = []
        for fmt in formats:
            plain = run_in_child(_measure, fmt, rows, work, False)
            traced = run_in_child(_measure, fmt, rows, work, True)
            if plain["record_count"] != rows or traced["record_count"] != rows:
                raise RuntimeError(f"{fmt}: rendered {plain['record_count']} of {rows} rows")
            results.append(
                {
                    "format": fmt,
                    "rows": rows,
                    "seconds": round(plain["seconds"], 3),
                    "cpu_seconds": round(plain["cpu_seconds"], 3),
                    "rows_per_second": round(rows / plain["seconds"]) if plain["seconds"] else 0,
                    "bytes": plain["bytes"],
                    "rss_peak_delta_bytes": plain["rss_peak_delta_bytes"],
                    "tracemalloc_peak_bytes": traced["tracemalloc_peak_bytes"],
                    "traced_seconds": round(traced["seconds"], 3),
                }
            )
        return results


if __name__ == "__main__":
    import sys

    for figures in benchmark_render(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000):
        print(figures)
