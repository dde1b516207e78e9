"""All configuration in one place, read from environment variables.

| variable                         | default                                   |
|----------------------------------|-------------------------------------------|
| ANALYTICS_HOME                   | `.analytics/` in the repository (or cwd)  |
| ANALYTICS_DATABASE_URL           | unset: the embedded PostgreSQL server     |
| ANALYTICS_DAGSTER_DATABASE_URL   | database `dagster` on the warehouse server|
| ANALYTICS_WAREHOUSE_DB           | `analytics` (embedded server only)        |
| ANALYTICS_LANDING_DIR            | `$ANALYTICS_HOME/landing`                 |
| ANALYTICS_PARTITION_START        | the data's first day recorded in          |
|                                  | `$ANALYTICS_HOME/partition_start` (the    |
|                                  | demo writes it), else `2026-01-01`: first |
|                                  | day of the time partitions                |
| ANALYTICS_LOOKBACK_DAYS          | the dbt project's default_lookback_days   |
|                                  | (3): days re-read before a partition      |
| ANALYTICS_DBT_PROJECT_DIR        | `dbt_project/` in the repository          |
| ANALYTICS_REPORTS_DIR            | `reports/` in the repository: report      |
|                                  | definitions, one `<id>.yml` each          |
| ANALYTICS_DASHBOARDS_DIR         | `dashboards/` in the repository: dashboard|
|                                  | definitions, one `<id>.yml` each          |
| ANALYTICS_ALERTS_DIR             | `alerts/` in the repository: alert rules, |
|                                  | one `<id>.yml` each                       |
| ANALYTICS_PG_DURABLE             | `1`: durable commits; `0` turns fsync,    |
|                                  | full-page writes and synchronous commit   |
|                                  | off (tests: faster, crash-unsafe)         |
| ANALYTICS_RUN_MONITORING_INTERVAL| `30`: seconds between Dagster run         |
|                                  | monitoring checks (dead run workers)      |
| ANALYTICS_RETENTION_FILE         | `retention.yml` in the repository: the    |
|                                  | retention overrides (optional file;       |
|                                  | maintenance/retention_settings.py)        |
| DAGSTER_HOME                     | `$ANALYTICS_HOME/dagster`                 |

Report e-mail delivery (`SmtpSettings.from_env()`; no host means delivery is
skipped and recorded as skipped):

| variable                         | default                                   |
|----------------------------------|-------------------------------------------|
| ANALYTICS_SMTP_HOST              | unset: no e-mail delivery                 |
| ANALYTICS_SMTP_PORT              | `587` with STARTTLS, else `25`            |
| ANALYTICS_SMTP_USER              | unset: no login                           |
| ANALYTICS_SMTP_PASSWORD          | unset (empty password with a user)        |
| ANALYTICS_SMTP_FROM              | the user if it is an address, else        |
|                                  | `analytics-pipeline@localhost`            |
| ANALYTICS_SMTP_STARTTLS          | `0`; `1` upgrades the connection first    |
| ANALYTICS_SMTP_TIMEOUT           | `30`: seconds per SMTP operation          |
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The repository root when running from a checkout (editable install); the
# project keeps its dbt project and report definitions there.
REPO_DIR = PACKAGE_DIR.parent


def _repo_or_cwd() -> Path:
    return REPO_DIR if (REPO_DIR / "dbt_project").is_dir() else Path.cwd()


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None
    dagster_database_url: str | None
    warehouse_db: str
    dbt_project_dir: Path
    report_definitions_dir: Path
    pg_durable: bool
    dagster_home: Path
    landing_dir: Path
    partition_start: str
    lookback_days: int
    run_monitoring_interval: int = 30
    # The key of the patients' pseudonyms (warehouse/pseudonyms.py); None: this
    # installation's own, generated once.
    pseudonym_key: str | None = None
    # The hospital's operational database the hospital pack's raw assets
    # extract from (ANALYTICS_HOSPITAL_DATABASE_URL, else the one the demo
    # recorded); None: those assets read landing files only.
    hospital_database_url: str | None = None
    # The hospital pack's small-cell threshold k: counts about 1..k-1 patients
    # are never published (docs/metrics.md, "Small cells").
    min_cell_size: int = 5
    # Dashboard definitions, one <id>.yml each (dashboards/ in the repository).
    dashboard_definitions_dir: Path = REPO_DIR / "dashboards"
    alert_rules_dir: Path = REPO_DIR / "alerts"
    # Overrides of the retention defaults (read when it exists).
    retention_file: Path = REPO_DIR / "retention.yml"

    @property
    def pgdata_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def sample_dir(self) -> Path:
        return self.home / "sample"

    @property
    def uses_embedded_server(self) -> bool:
        return self.database_url is None

    @property
    def partition_start_file(self) -> Path:
        return partition_start_file(self.home)


# Where the data's first day is recorded (one ISO date); the code location reads
# it when it loads, so the time partitions begin where the data begins.
PARTITION_START_FILE = "partition_start"
# The first partition when neither ANALYTICS_PARTITION_START nor a recorded
# first day says otherwise (no data loaded through the demo yet).
DEFAULT_PARTITION_START = "2026-01-01"


def _default_lookback_days(dbt_project_dir: Path) -> int:
    """The dbt project's default lookback (vars.default_lookback_days): one
    definition for dbt runs and the Python side."""
    path = dbt_project_dir.expanduser() / "dbt_project.yml"
    return _project_var(str(path), path.stat().st_mtime, "default_lookback_days")


@functools.cache
def _project_var(path: str, mtime: float, name: str) -> int:  # mtime: re-read on change
    import yaml

    with open(path) as handle:
        return int(yaml.safe_load(handle)["vars"][name])


# Where the demo records the URL of the sample hospital's operational database.
HOSPITAL_DATABASE_FILE = "hospital_database_url"


def _recorded(path: Path) -> str | None:
    """The text of a one-line file under ANALYTICS_HOME, None when there is none."""
    try:
        return path.read_text().strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None


def record_hospital_database(url: str, home: Path | None = None) -> None:
    """Record `url` as the hospital pack's operational database (the demo's)."""
    target = (home or get_settings().home) / HOSPITAL_DATABASE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(url + "\n")
    temporary.replace(target)


def partition_start_file(home: Path) -> Path:
    return home / PARTITION_START_FILE


def _partition_start(env: Mapping[str, str], home: Path) -> str:
    """ANALYTICS_PARTITION_START, else the recorded first day of the data, else
    DEFAULT_PARTITION_START."""
    text = env.get("ANALYTICS_PARTITION_START", "").strip()
    name = "ANALYTICS_PARTITION_START"
    if not text:
        try:
            text = partition_start_file(home).read_text().strip()
            name = str(partition_start_file(home))
        except (FileNotFoundError, NotADirectoryError):
            return DEFAULT_PARTITION_START
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def record_data_start(first_day: date, home: Path | None = None) -> date:
    """Record `first_day` as the data's first day under ANALYTICS_HOME (kept
    when an earlier day is recorded already); returns the recorded day. The
    time partitions start there from the next load of the code location on."""
    target = partition_start_file(home or get_settings().home)
    try:
        recorded = date.fromisoformat(target.read_text().strip())
    except (FileNotFoundError, ValueError):
        recorded = None
    if recorded is not None and recorded <= first_day:
        return recorded
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(first_day.isoformat() + "\n")
    temporary.replace(target)  # readers never see a half-written file
    return first_day


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; read again on each call so
    tests and the CLI can change the environment)."""
    env = os.environ
    home = Path(env.get("ANALYTICS_HOME") or _repo_or_cwd() / ".analytics").expanduser().resolve()
    dbt_dir = env.get("ANALYTICS_DBT_PROJECT_DIR") or str(_repo_or_cwd() / "dbt_project")
    reports_dir = env.get("ANALYTICS_REPORTS_DIR") or str(_repo_or_cwd() / "reports")
    dashboards_dir = env.get("ANALYTICS_DASHBOARDS_DIR") or str(_repo_or_cwd() / "dashboards")
    alerts_dir = env.get("ANALYTICS_ALERTS_DIR") or str(_repo_or_cwd() / "alerts")
    return Settings(
        home=home,
        database_url=env.get("ANALYTICS_DATABASE_URL") or None,
        dagster_database_url=env.get("ANALYTICS_DAGSTER_DATABASE_URL") or None,
        warehouse_db=env.get("ANALYTICS_WAREHOUSE_DB", "analytics"),
        dbt_project_dir=Path(dbt_dir).expanduser().resolve(),
        report_definitions_dir=Path(reports_dir).expanduser().resolve(),
        pg_durable=env.get("ANALYTICS_PG_DURABLE", "1") not in ("0", "false", "no"),
        dagster_home=Path(env.get("DAGSTER_HOME") or home / "dagster").expanduser().resolve(),
        landing_dir=Path(env.get("ANALYTICS_LANDING_DIR") or home / "landing")
        .expanduser()
        .resolve(),
        partition_start=_partition_start(env, home),
        lookback_days=int(
            env.get("ANALYTICS_LOOKBACK_DAYS") or _default_lookback_days(Path(dbt_dir))
        ),
        run_monitoring_interval=int(
            _positive_number(env, "ANALYTICS_RUN_MONITORING_INTERVAL", "30", int)
        ),
        pseudonym_key=env.get("ANALYTICS_PSEUDONYM_KEY") or None,
        hospital_database_url=env.get("ANALYTICS_HOSPITAL_DATABASE_URL")
        or _recorded(home / HOSPITAL_DATABASE_FILE),
        min_cell_size=int(_positive_number(env, "ANALYTICS_MIN_CELL_SIZE", "5", int)),
        dashboard_definitions_dir=Path(dashboards_dir).expanduser().resolve(),
        alert_rules_dir=Path(alerts_dir).expanduser().resolve(),
        retention_file=Path(env.get("ANALYTICS_RETENTION_FILE") or _repo_or_cwd() / "retention.yml")
        .expanduser()
        .resolve(),
    )


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class SmtpSettings:
    """Where report e-mails go. Read on demand, not by `get_settings()`, so a
    bad SMTP variable breaks delivery only, not every other command."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The SMTP settings, or None when ANALYTICS_SMTP_HOST is unset or empty.
        Raises ValueError naming the variable that has a bad value."""
        env = os.environ if env is None else env
        host = env.get("ANALYTICS_SMTP_HOST", "").strip()
        if not host:
            return None
        starttls_text = env.get("ANALYTICS_SMTP_STARTTLS", "0").strip().lower()
        if starttls_text not in _TRUE + _FALSE:
            raise ValueError(f"ANALYTICS_SMTP_STARTTLS: {starttls_text!r} is not 0 or 1")
        starttls = starttls_text in _TRUE
        port = _positive_number(env, "ANALYTICS_SMTP_PORT", "587" if starttls else "25", int)
        timeout = _positive_number(env, "ANALYTICS_SMTP_TIMEOUT", "30", float)
        user = env.get("ANALYTICS_SMTP_USER") or None
        sender = env.get("ANALYTICS_SMTP_FROM") or (
            user if user and "@" in user else "analytics-pipeline@localhost"
        )
        return cls(
            host=host,
            port=int(port),
            sender=sender,
            user=user,
            password=env.get("ANALYTICS_SMTP_PASSWORD") or None,
            starttls=starttls,
            timeout=float(timeout),
        )


def _positive_number(
    env: Mapping[str, str], name: str, default: str, kind: type[int] | type[float]
) -> int | float:
    text = env.get(name, "").strip() or default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None
    if value <= 0 or (kind is int and value > 65535):
        raise ValueError(f"{name}: {text!r} is out of range")
    return value
