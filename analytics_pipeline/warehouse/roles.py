"""The warehouse's roles: each component connects as its own role, with the
least privilege it needs, and the roles' passwords live in one 0600 file.

| role                    | used by                     | may                                  |
|-------------------------|-----------------------------|--------------------------------------|
| admin (the URL's user)  | bootstrap, landing DDL      | create databases and roles, grant,   |
|                         |                             | own `raw` (its DDL)                  |
| `analytics_loader`      | ingest, landing runs        | select and insert in `raw` (landing  |
|                         |                             | tables, ledger, quarantine)          |
| `analytics_transformer` | dbt, Python assets, report  | read `raw`; own staging,             |
|                         | definitions and executions  | intermediate, analytics, snapshots,  |
|                         |                             | control                              |
| `analytics_reader`      | analysts, report queries    | select on `analytics` only, the rows |
|                         |                             | of the workspace in app.workspace_id |
| `analytics_dagster`     | the Dagster instance        | own the `dagster` database           |

The admin is the embedded server's superuser (peer authentication, no
password) or the account of ANALYTICS_DATABASE_URL, which must be allowed to
create roles. Passwords are generated once (URL-safe, 256 bits) into
`$ANALYTICS_HOME/secrets/warehouse_roles.json` (directory 0700, file 0600).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from enum import StrEnum
from pathlib import Path


class Role(StrEnum):
    ADMIN = "admin"
    LOADER = "loader"
    TRANSFORMER = "transformer"
    READER = "reader"
    DAGSTER = "dagster"

    @property
    def role_name(self) -> str:
        """The PostgreSQL role (the admin has none of its own: the URL's user)."""
        if self is Role.ADMIN:
            raise ValueError("the admin connects as the user of the admin URL")
        return f"analytics_{self.value}"


LOGIN_ROLES = (Role.LOADER, Role.TRANSFORMER, Role.READER, Role.DAGSTER)
PASSWORDS_FILE = "warehouse_roles.json"


def secrets_dir(home: Path) -> Path:
    return home / "secrets"


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by the owner only (0600)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)  # an existing file keeps its mode through O_CREAT
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def role_passwords(home: Path) -> tuple[dict[Role, str], set[Role]]:
    """The login roles' passwords, generating the missing ones.

    Returns (password by role, roles whose password was generated now): the
    bootstrap sets those on the server."""
    folder = secrets_dir(home)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / PASSWORDS_FILE
    with open(folder / ".lock", "a") as lock:
        # Concurrent first starts (parallel runs) must agree on one password.
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = json.loads(path.read_text()) if path.exists() else {}
        generated = {role for role in LOGIN_ROLES if not stored.get(role.value)}
        for role in generated:
            stored[role.value] = secrets.token_urlsafe(32)
        if generated:
            write_private(path, json.dumps(stored, indent=2, sort_keys=True) + "\n")
    return {role: stored[role.value] for role in LOGIN_ROLES}, generated
