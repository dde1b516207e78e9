"""`analytics-pipeline retention run|show`: enforce the retention settings now,
or show them with the raw event tables' partitions and their rows."""

from __future__ import annotations

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.partitioning import EVENT_SOURCES, partition_month, partitions
from analytics_pipeline.ingest.schema import ensure_raw_schema
from analytics_pipeline.maintenance.retention import run_retention
from analytics_pipeline.maintenance.retention_settings import current_settings


def retention_run(as_of, dry_run: bool) -> int:
    report = run_retention(current_settings(), as_of, dry_run)
    verb = "would" if dry_run else "did"
    print(f"retention as of {report.as_of} ({verb}; run {report.run_id}):")
    for a in report.actions:
        where = f" {', '.join(a.partitions)}" if a.partitions else ""
        cut = f" before {a.cutoff:%Y-%m-%d}" if a.cutoff else ""
        print(f"  {a.table:<38} {a.action:<18} {a.rows:>12,} rows{cut}{where}")
    if not report.actions:
        print("  nothing to do")
    return 0


def retention_show() -> int:
    settings = current_settings()
    print("retention (days; - keeps everything):")
    for t in settings.targets:
        days = "-" if t.days is None else str(t.days)
        print(f"  {t.table:<38} {days:>5}  by {t.how} on {t.column}")
    quarantine = settings.quarantine_payload_days
    print(f"  {'raw._quarantine payload':<38} {quarantine or '-':>5}")
    print(f"  partitions made ahead: {settings.partitions_ahead_months} months")
    print("partitions (rows):")
    with warehouse.connect(warehouse.Role.ADMIN) as conn:
        ensure_raw_schema(conn)
        with conn.cursor() as cur:
            for source in EVENT_SOURCES:
                for name, is_default in partitions(cur, source.name):
                    cur.execute(f"select count(*) from raw.{name}")
                    month = partition_month(source.name, name)
                    label = "default" if is_default else f"{month:%Y-%m}" if month else "other"
                    print(f"  raw.{name:<44} {label:>8} {cur.fetchone()[0]:>12,}")
    return 0
