"""All configuration in one place, read from environment variables.

| variable                         | default                                   |
|----------------------------------|-------------------------------------------|
| ANALYTICS_HOME                   | `.analytics/` in the repository (or cwd)  |
| ANALYTICS_DATABASE_URL           | unset: the embedded PostgreSQL server     |
| ANALYTICS_DAGSTER_DATABASE_URL   | database `dagster` on the warehouse server|
| ANALYTICS_WAREHOUSE_DB           | `analytics` (embedded server only)        |
| ANALYTICS_LANDING_DIR            | `$ANALYTICS_HOME/landing`                 |
| ANALYTICS_PARTITION_START        | `2026-01-01`: first daily partition       |
| ANALYTICS_LOOKBACK_DAYS          | `3`: days re-read before a partition      |
| ANALYTICS_DBT_PROJECT_DIR        | `dbt_project/` in the repository          |
| ANALYTICS_PG_DURABLE             | `1`; `0` turns fsync off (tests, demos)   |
| DAGSTER_HOME                     | `$ANALYTICS_HOME/dagster`                 |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
    pg_durable: bool
    dagster_home: Path
    landing_dir: Path
    partition_start: str
    lookback_days: int

    @property
    def pgdata_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def sample_dir(self) -> Path:
        return self.home / "sample"

    @property
    def uses_embedded_server(self) -> bool:
        return self.database_url is None


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; read again on each call so
    tests and the CLI can change the environment)."""
    env = os.environ
    home = Path(env.get("ANALYTICS_HOME") or _repo_or_cwd() / ".analytics").expanduser().resolve()
    dbt_dir = env.get("ANALYTICS_DBT_PROJECT_DIR") or str(_repo_or_cwd() / "dbt_project")
    return Settings(
        home=home,
        database_url=env.get("ANALYTICS_DATABASE_URL") or None,
        dagster_database_url=env.get("ANALYTICS_DAGSTER_DATABASE_URL") or None,
        warehouse_db=env.get("ANALYTICS_WAREHOUSE_DB", "analytics"),
        dbt_project_dir=Path(dbt_dir).expanduser().resolve(),
        pg_durable=env.get("ANALYTICS_PG_DURABLE", "1") not in ("0", "false", "no"),
        dagster_home=Path(env.get("DAGSTER_HOME") or home / "dagster").expanduser().resolve(),
        landing_dir=Path(env.get("ANALYTICS_LANDING_DIR") or home / "landing")
        .expanduser()
        .resolve(),
        partition_start=env.get("ANALYTICS_PARTITION_START", "2026-01-01"),
        lookback_days=int(env.get("ANALYTICS_LOOKBACK_DAYS", "3")),
    )
