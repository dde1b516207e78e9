"""How long each table keeps its rows: defaults in code, overridden by
`retention.yml` in the project root (ANALYTICS_RETENTION_FILE names another),
and checked against what the dbt models re-read before anything is dropped.

```yaml
tables:                       # days; null keeps the table whole
  raw.user_activity: 120
  analytics.daily_metrics: null
quarantine_payload_days: 30   # then the verbatim payload is nulled
partitions_ahead_months: 3    # months of partitions made ahead of the as-of date
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from analytics_pipeline.ingest.contract import SOURCES, Source
from analytics_pipeline.ingest.partitioning import is_event_source

PARTITIONS = "partitions"  # drop the month partitions wholly older than the cutoff
ROWS = "rows"  # delete the rows older than the cutoff


@dataclass(frozen=True)
class Target:
    """One table under retention: rows whose `column` is before the cutoff go."""

    table: str  # schema-qualified
    column: str
    how: str  # PARTITIONS or ROWS
    days: int | None  # None: kept whole

    @property
    def schema(self) -> str:
        return self.table.split(".")[0]

    @property
    def name(self) -> str:
        return self.table.split(".")[1]


@dataclass(frozen=True)
class RetentionSettings:
    targets: tuple[Target, ...]
    quarantine_payload_days: int | None
    partitions_ahead_months: int

    def target(self, table: str) -> Target:
        for target in self.targets:
            if target.table == table:
                return target
        raise KeyError(table)


# Seed 002 (log TTLs) and seed 004 (raw activity 90 days, hourly metrics 30
# days, daily metrics archived after 2 years). The learning sources feed
# mastery histories and keep a year; tombstones and survey answers are kept.
_RAW_DAYS = {
    "user_activity": 90,
    "study_events": 365,
    "question_attempts": 365,
    "material_interactions": 365,
    "hr_activity_logs": 90,
    "hr_dashboard_interactions": 30,
    "hr_report_access_logs": 180,
    "hr_chat_sessions": 365,
    "hr_notification_deliveries": 90,
}
# Published aggregates: their date column, and the days kept (None: all).
_AGGREGATES = {
    "hourly_metrics": ("metric_date", 30),
    "daily_metrics": ("metric_date", 730),
    "active_users": ("metric_date", None),
    "user_engagement_metrics": ("metric_date", None),
    "feature_utilization": ("metric_date", None),
    "agent_performance": ("metric_date", None),
    "topic_daily_stats": ("stat_date", None),
    "daily_user_stats": ("stat_date", None),
    "weekly_user_stats": ("week_start", None),
}
DEFAULT_QUARANTINE_PAYLOAD_DAYS = 90
DEFAULT_PARTITIONS_AHEAD_MONTHS = 3


def _raw_target(source: Source) -> Target:
    return Target(
        f"raw.{source.name}",
        source.event_time_column,
        PARTITIONS if is_event_source(source) else ROWS,
        _RAW_DAYS.get(source.name),
    )


def default_settings() -> RetentionSettings:
    raw = [_raw_target(s) for s in SOURCES.values() if s.event_time_column]
    published = [
        Target(f"analytics.{name}", column, ROWS, days)
        for name, (column, days) in _AGGREGATES.items()
    ]
    return RetentionSettings(
        tuple(raw + published), DEFAULT_QUARANTINE_PAYLOAD_DAYS, DEFAULT_PARTITIONS_AHEAD_MONTHS
    )


class RetentionConfigError(ValueError):
    """A retention setting that is malformed or would break the published tables."""


def current_settings() -> RetentionSettings:
    """The retention settings of this installation (settings.py says where)."""
    from analytics_pipeline.settings import get_settings

    settings = get_settings()
    return load_settings(
        settings.retention_file, settings.lookback_days, settings.dbt_project_dir / "models"
    )


def load_settings(path: Path, lookback_days: int, models_dir: Path) -> RetentionSettings:
    """The defaults, with the file's overrides when it exists, checked."""
    settings = default_settings()
    if path.is_file():
        import yaml

        settings = apply_overrides(settings, yaml.safe_load(path.read_text()) or {}, str(path))
    check(settings, lookback_days, batch_incremental_sources(models_dir))
    return settings


def apply_overrides(settings: RetentionSettings, data: Mapping, where: str) -> RetentionSettings:
    unknown = set(data) - {"tables", "quarantine_payload_days", "partitions_ahead_months"}
    if unknown:
        raise RetentionConfigError(f"{where}: unknown keys {sorted(unknown)}")
    targets = {t.table: t for t in settings.targets}
    for table, days in (data.get("tables") or {}).items():
        if table not in targets:
            raise RetentionConfigError(
                f"{where}: {table} has no retention (one of {', '.join(sorted(targets))})"
            )
        targets[table] = replace(targets[table], days=_days(days, f"{where}: {table}"))
    ahead = data.get("partitions_ahead_months", settings.partitions_ahead_months)
    return RetentionSettings(
        tuple(targets.values()),
        _days(
            data.get("quarantine_payload_days", settings.quarantine_payload_days),
            f"{where}: quarantine_payload_days",
        ),
        _days(ahead, f"{where}: partitions_ahead_months", allow_zero=True),
    )


def _days(value, what: str, allow_zero: bool = False) -> int | None:
    if value is None:
        return None
    if type(value) is not int or value < (0 if allow_zero else 1):
        raise RetentionConfigError(f"{what}: {value!r} is not a whole number of at least 1")
    return value


def check(settings: RetentionSettings, lookback_days: int, incremental: set[str]) -> None:
    """Refuse a retention that would change published numbers.

    Daily runs rebuild the lookback days (and staging re-reads older versions
    of the keys new batches bring): a table must keep more days than the
    lookback. A raw table whose staging model is rebuilt whole from it (not
    batch-incremental) keeps everything, or dropping raw rows would drop them
    from staging and the tables above at the next build."""
    for target in settings.targets:
        if target.days is None:
            continue
        if target.days <= lookback_days:
            raise RetentionConfigError(
                f"{target.table}: a retention of {target.days} days must be longer than the "
                f"{lookback_days} lookback days the daily dbt runs re-read"
            )
        if target.schema == "raw" and target.name not in incremental:
            raise RetentionConfigError(
                f"{target.table}: its staging model is rebuilt whole from the raw table, "
                "so the raw rows must be kept (retention null)"
            )


_SOURCE_CALL = re.compile(r"source\(\s*'raw'\s*,\s*'(\w+)'\s*\)")
_CLAIM_CALL = re.compile(r"claim_source_batches\(\s*'(\w+)'")


def batch_incremental_sources(models_dir: Path) -> set[str]:
    """Raw sources that every dbt model reading them reads batch by batch
    (its pre-hook claims the source's new batches)."""
    read, claimed_everywhere = set(), set()
    partial: set[str] = set()
    for path in models_dir.rglob("*.sql"):
        text = path.read_text()
        sources = set(_SOURCE_CALL.findall(text))
        claims = set(_CLAIM_CALL.findall(text))
        read |= sources
        partial |= sources - claims
        claimed_everywhere |= sources & claims
    return (read & claimed_everywhere) - partial
