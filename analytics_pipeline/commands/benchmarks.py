"""Benchmarks shipped with the project (`analytics-pipeline bench ...`)."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from pathlib import Path

from analytics_pipeline import warehouse
from analytics_pipeline.settings import get_settings

BENCH_DB = "analytics_bench"


def _recreate_bench_database() -> None:
    url = warehouse.admin_url().set(database="postgres")
    import psycopg2

    conn = psycopg2.connect(**warehouse.libpq_params(url))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"drop database if exists {BENCH_DB} with (force)")
            cur.execute(f"create database {BENCH_DB}")
    finally:
        conn.close()


def _use_bench_database() -> None:
    """Point this process at a new scratch database on the same server: the
    warehouse's own data is not touched."""
    _recreate_bench_database()
    if get_settings().uses_embedded_server:
        os.environ["ANALYTICS_WAREHOUSE_DB"] = BENCH_DB
    else:
        bench_url = warehouse.admin_url().set(database=BENCH_DB)
        os.environ["ANALYTICS_DATABASE_URL"] = bench_url.render_as_string(hide_password=False)
    warehouse.provision()  # the new database, even where this process provisioned the old one


def bench_learning(learners: int, attempts: int, days: int) -> dict:
    """Generate the synthetic learning dataset in a scratch database, then time
    mastery + gaps + readiness as the assets run them (reads and writes included)."""
    import datetime as dt

    from analytics_pipeline.learning import benchmark

    _use_bench_database()
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        started = time.perf_counter()
        counts = benchmark.generate(conn, learners=learners, attempts=attempts, days=days)
        print(
            f"generated {counts['stg_question_attempts']:,} attempts, "
            f"{counts['stg_material_interactions']:,} interactions, {learners:,} learners, "
            f"{counts['stg_topics']} topics over {days} days "
            f"in {time.perf_counter() - started:.1f}s"
        )
        started = time.perf_counter()
        benchmark.build_dbt_models()
        print(
            f"built {', '.join(benchmark.DBT_MODELS)} with dbt "
            f"in {time.perf_counter() - started:.1f}s"
        )
        as_of = dt.date(2026, 1, 1) + dt.timedelta(days=days - 1)
        started = time.perf_counter()
        steps = benchmark.run(conn, as_of)
        total = time.perf_counter() - started
    for name, figures in steps:
        detail = ", ".join(
            f"{k} {v:.2f}s" if isinstance(v, float) else f"{k} {v:,} rows"
            for k, v in figures.items()
            if k != "seconds"
        )
        print(f"{name:>15}: {figures['seconds']:6.2f}s  ({detail})")
    print(f"{'total':>15}: {total:6.2f}s  (target: 60 s)")
    return {"total_seconds": round(total, 2), "steps": dict(steps)}


def bench_ingest(rows: int) -> dict:
    """Generate a `rows`-row user_activity file and time its ingestion into a
    scratch database (the warehouse's own data is not touched)."""
    from analytics_pipeline.ingest import ingest_files
    from analytics_pipeline.sample_data import write_user_activity_file

    folder = get_settings().home / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"user_activity_{rows}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        write_user_activity_file(path, rows)
        print(
            f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f}s"
        )
    _use_bench_database()
    result = ingest_files("user_activity", [path])[0]
    figures = {
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "seconds": round(result.seconds, 2),
        "rows_per_second": round(result.rows_read / result.seconds),
    }
    print(
        f"ingested {result.rows_read:,} rows in {result.seconds:.2f}s: "
        f"{figures['rows_per_second']:,} rows/s"
    )
    return figures


def _megabytes(count: int) -> str:
    return f"{count / 1e6:,.1f} MB"


def bench_reports(rows: int) -> list[dict]:
    """A `rows`-row report source in a scratch database, then the report through
    the real query path to CSV and XLSX: time and memory per format."""
    import tempfile

    from analytics_pipeline.reports.benchmark import benchmark_reports

    folder = get_settings().home / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    _use_bench_database()
    with tempfile.TemporaryDirectory(prefix="reports-", dir=folder) as directory:
        result = benchmark_reports(rows, Path(directory))
    print(
        f"generated {result.table_rows:,} rows (report rows and 10% in another workspace) "
        f"in {result.generation_seconds:.1f}s"
    )
    table = [
        ("format", "rows", "file size", "seconds", "rows/s")
        + ("baseline RSS", "peak RSS", "RSS growth")
    ]
    for f in result.formats:
        table.append(
            (f["format"], f"{f['rows']:,}", _megabytes(f["bytes"]), f"{f['seconds']:.1f}")
            + (f"{f['rows_per_second']:,}", _megabytes(f["baseline_rss_bytes"]))
            + (_megabytes(f["peak_rss_bytes"]), _megabytes(f["rss_growth_bytes"]))
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    return result.formats


# Appointments per patient over a year, as the sample hospital books them
# (sample_data.hospital.fill: about 0.02 per patient and weekday).
_APPOINTMENTS_PER_PATIENT_YEAR = 5.84
_EXTRACT_DAYS = 365


def bench_extract(appointments: int, fraction: float = 0.01) -> dict:
    """Fill a scratch operational hospital database with about `appointments`
    appointments (and their patients, records, lab tests, invoices and
    payments), then time the first extraction of every table into a scratch
    warehouse (rows per second), a change of `fraction` of the rows
    (sample_data.hospital.apply_changes) and the incremental extraction."""
    from analytics_pipeline.ingest.extract.hospital import extract_hospital
    from analytics_pipeline.sample_data import hospital

    _use_bench_database()
    source = warehouse.database_url(f"{BENCH_DB}_hospital")
    _drop_hospital_schema(source)
    patients = max(100, round(appointments / _APPOINTMENTS_PER_PATIENT_YEAR))
    started = time.perf_counter()
    rows = hospital.fill(source, patients=patients, days=_EXTRACT_DAYS)
    print(
        f"filled the operational database: {rows['appointments']:,} appointments, "
        f"{sum(rows.values()):,} rows in {len(rows)} tables "
        f"in {time.perf_counter() - started:.1f}s"
    )
    scratch = Path(tempfile.mkdtemp(prefix="bench-extract-"))
    extract = functools.partial(extract_hospital, out_dir=scratch)
    first = _timed_extract(extract, source)
    print(
        f"first extract: {first['rows']:,} rows in {first['seconds']:.1f}s "
        f"({first['rows_per_second']:,.0f} rows/s; appointments "
        f"{first['appointments']:,} rows)"
    )
    changes = hospital.apply_changes(source, seed=11, fraction=fraction)
    print(f"changed the source: {', '.join(f'{k} {v:,}' for k, v in changes.items())}")
    second = _timed_extract(extract, source)
    shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"incremental extract: {second['rows']:,} rows in {second['seconds']:.1f}s "
        f"(fraction {fraction:.0%} of the rows changed)"
    )
    return {"source_rows": rows, "first": first, "changes": changes, "incremental": second}


def _drop_hospital_schema(url) -> None:
    import psycopg2

    with psycopg2.connect(**warehouse.libpq_params(url)) as conn, conn.cursor() as cur:
        cur.execute("drop schema if exists hospital cascade")


def _timed_extract(extract, source) -> dict:
    started = time.perf_counter()
    results = extract(source)
    seconds = time.perf_counter() - started
    rows = sum(r.rows_new for r in results)
    by_source = {r.source: r.rows_new for r in results}
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds) if seconds else 0,
        "appointments": by_source.get("hospital_appointments", 0),
    }


def bench_retention(rows: int, days: int = 90) -> dict:
    """A `rows`-row raw.user_activity over 12 months in a scratch database,
    partitioned and again as a plain table; then retention of `days` as of the
    last day: dropping the expired months' partitions vs DELETE of those rows."""
    import datetime as dt

    from analytics_pipeline.ingest.schema import ensure_raw_schema
    from analytics_pipeline.maintenance import retention_bench

    first, last = dt.date(2025, 10, 1), dt.date(2026, 9, 30)
    _use_bench_database()
    with warehouse.connect(warehouse.Role.ADMIN) as conn:
        ensure_raw_schema(conn)
        conn.commit()
        seconds = retention_bench.fill(conn, rows, first, last)
        print(f"generated {rows:,} rows ({first} .. {last}) in both tables in {seconds:.1f}s")
        result = retention_bench.compare(conn, last, days)
    parts = result["partitions_dropped"]
    print(
        f"retention {days} days as of {last} (cutoff {result['cutoff'][:10]}): "
        f"{len(parts)} month partitions ({parts[0] if parts else '-'} .. "
        f"{parts[-1] if parts else '-'})"
    )
    partitions = result["count_seconds"] + result["drop_seconds"]
    print(
        f"  drop partitions: {result['rows_dropped']:>12,} rows in {partitions:8.3f}s "
        f"(counting them {result['count_seconds']:.3f}s, drop {result['drop_seconds']:.3f}s)"
    )
    print(
        f"  DELETE:          {result['rows_deleted']:>12,} rows in {result['delete_seconds']:8.3f}s"
    )
    print(
        f"  DELETE / drop:   {result['ratio']}x (and the VACUUM the DELETE leaves: "
        f"{result['vacuum_seconds']:.3f}s)"
    )
    return result
