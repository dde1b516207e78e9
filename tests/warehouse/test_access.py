"""Who gets into the warehouse, and what each role may do there: the embedded
server admits only its owning account (peer) and the pipeline's roles (SCRAM),
over an owner-only socket; each role has exactly its privileges."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
import yaml

from analytics_pipeline import warehouse
from analytics_pipeline.dagster_instance import (
    STORAGE_CLASSES,
    STORAGE_URL_VARIABLE,
    prepare_dagster_home,
)
from analytics_pipeline.dagster_storage import (
    PooledPostgresEventLogStorage,
    PooledPostgresRunStorage,
)
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.settings import REPO_DIR, get_settings
from analytics_pipeline.warehouse import Role
from analytics_pipeline.warehouse.embedded import SUPERUSER, psql_path

OUTSIDER = "analytics_outsider"
NORMAL_USER = "analytics_tester"

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="creating another OS account needs root")


def _ensure_os_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--no-create-home", "-s", "/bin/sh", name], check=True)
        return pwd.getpwnam(name)


def _usable_by_others(path: Path) -> bool:
    """Whether any account may execute `path` (every directory above it traversable)."""
    path = path.resolve()
    if not path.exists() or not path.stat().st_mode & stat.S_IXOTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)


def _interpreter_for_other_accounts() -> tuple[str, str]:
    """(python, extra PYTHONPATH) another account can run the project with: this
    interpreter, or a system one of the same version reading this environment's
    packages (a pyenv interpreter under /root is out of reach)."""
    if _usable_by_others(Path(sys.executable)):
        return sys.executable, ""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for folder in ("/usr/bin", "/usr/local/bin"):
        candidate = Path(folder) / version
        if _usable_by_others(candidate):
            return str(candidate), sysconfig.get_paths()["purelib"]
    pytest.skip(f"no {version} interpreter that another account may run")


def _params(role: Role, **changes) -> dict[str, str]:
    return warehouse.libpq_params(warehouse.warehouse_url(role)) | changes


def _error_of(role: Role, statement: str) -> str | None:
    """The error `statement` raises as `role`, or None when it succeeds."""
    try:
        with warehouse.connect(role) as conn, conn.cursor() as cur:
            cur.execute(statement)
    except psycopg2.Error as exc:
        return exc.pgerror or str(exc)
    return None


def _write_agents(path: Path) -> None:
    path.write_text(
        json.dumps(
            {
                "agent_id": "a1",
                "workspace_id": "w1",
                "name": "Agent",
                "created_at": "2026-09-01",
                "updated_at": "2026-09-01",
            }
        )
        + "\n"
    )


def test_server_accepts_no_unauthenticated_connection(empty_database):
    server = warehouse.embedded_server()
    hba = (server.pgdata / "pg_hba.conf").read_text()
    rules = [line.split() for line in hba.splitlines() if line.strip() and line[0] != "#"]
    assert rules == [
        ["local", "all", SUPERUSER, "peer", "map=owner"],
        ["local", "all", "all", "scram-sha-256"],
    ]
    socket_dir = server.socket_dir
    assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((socket_dir / ".s.PGSQL.5432").stat().st_mode) == 0o700
    # A pipeline role without its password, or with a wrong one, is refused.
    for password in ("", "not-the-password"):
        with pytest.raises(psycopg2.OperationalError, match="password"):
            psycopg2.connect(**_params(Role.READER, password=password))
    # No role may run programs on the server.
    assert "permission denied" in _error_of(Role.LOADER, "copy raw._quarantine from program 'id'")


def test_role_passwords_are_private_files(empty_database):
    secrets = get_settings().home / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    stored = secrets / "warehouse_roles.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    passwords = json.loads(stored.read_text())
    assert sorted(passwords) == ["dagster", "loader", "reader", "transformer"]
    assert len(set(passwords.values())) == 4
    # The server log holds no password (verifiers are computed client-side).
    log = warehouse.embedded_server().log_file.read_text()
    assert not [p for p in passwords.values() if p in log]


@needs_root
def test_another_os_account_cannot_connect(empty_database):
    _ensure_os_user(OUTSIDER)
    socket_dir = str(warehouse.embedded_server().socket_dir)
    password = json.loads((get_settings().home / "secrets" / "warehouse_roles.json").read_text())[
        "reader"
    ]
    for user, secret in ((SUPERUSER, ""), (Role.READER.role_name, password)):
        result = subprocess.run(
            [psql_path(), "-h", socket_dir, "-U", user, "-d", empty_database, "-c", "select 1"],
            user=OUTSIDER,
            env={"PGPASSWORD": secret, "PATH": os.environ.get("PATH", "")},
            capture_output=True,
            text=True,
            check=False,
        )
        # Even with the reader's password: the socket is out of reach.
        assert result.returncode != 0
        assert "Permission denied" in result.stderr, result.stderr


@needs_root
def test_the_project_runs_as_a_normal_user():
    python, packages = _interpreter_for_other_accounts()
    entry = _ensure_os_user(NORMAL_USER)
    home = Path(tempfile.mkdtemp(prefix="analytics-user-"))
    try:
        os.chown(home, entry.pw_uid, entry.pw_gid)
        landing = home / "agents.jsonl"
        _write_agents(landing)
        os.chown(landing, entry.pw_uid, entry.pw_gid)
        script = f"""
from pathlib import Path
from analytics_pipeline import warehouse
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.warehouse import Role
print(ingest_files("agents", [Path({str(landing)!r})])[0].rows_loaded)
for role in (Role.ADMIN, Role.LOADER, Role.TRANSFORMER, Role.READER):
    with warehouse.connect(role) as conn, conn.cursor() as cur:
        cur.execute("select current_user")
        print(cur.fetchone()[0])
print(warehouse.dagster_storage_url().username)
warehouse.embedded_server().stop()
"""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "ANALYTICS_HOME": str(home / ".analytics"),
            "ANALYTICS_PG_DURABLE": "0",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_DIR), packages])),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        result = subprocess.run(
            [python, "-c", script],
            user=NORMAL_USER,
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [
            "1",
            "postgres",
            "analytics_loader",
            "analytics_transformer",
            "analytics_reader",
            "analytics_dagster",
        ]
        pgdata = home / ".analytics" / "pgdata"
        assert pgdata.stat().st_uid == entry.pw_uid  # the user's own server
    finally:
        subprocess.run(["pkill", "-u", NORMAL_USER], check=False)
        shutil.rmtree(home, ignore_errors=True)


def test_each_role_has_only_its_privileges(empty_database, tmp_path):
    path = tmp_path / "agents.jsonl"
    _write_agents(path)
    assert ingest_files("agents", [path])[0].rows_loaded == 1
    with warehouse.connect(Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute("create table analytics.scoped (workspace_id text, n int)")
        cur.execute("insert into analytics.scoped values ('w1', 1), ('w2', 2), (null, 3)")
        warehouse.isolate_workspaces(conn, "analytics.scoped")
        cur.execute("create table control.settings (secret text)")

    denied = {
        # The reader: published tables only, read only.
        (Role.READER, "select * from raw.agents"),
        (Role.READER, "select * from raw._quarantine"),
        (Role.READER, "select * from raw._ingest_batches"),
        (Role.READER, "select * from control.settings"),
        (Role.READER, "insert into analytics.scoped values ('w1', 9)"),
        (Role.READER, "delete from analytics.scoped"),
        (Role.READER, "create table analytics.mine (x int)"),
        (Role.READER, "create table public.mine (x int)"),
        (Role.READER, "create schema mine"),
        # The loader: read and insert in raw, nothing else.
        (Role.LOADER, "delete from raw.agents"),
        (Role.LOADER, "update raw._ingest_batches set rows_read = 0"),
        (Role.LOADER, "drop table raw._quarantine"),
        (Role.LOADER, "select * from analytics.scoped"),
        (Role.LOADER, "create schema mine"),
        # The transformer reads raw but never changes it.
        (Role.TRANSFORMER, "insert into raw._quarantine select * from raw._quarantine"),
        (Role.TRANSFORMER, "delete from raw.agents"),
    }
    for role, statement in sorted(denied):
        error = _error_of(role, statement)
        assert error is not None and ("permission denied" in error or "must be owner" in error), (
            role,
            statement,
            error,
        )

    allowed = [
        (Role.LOADER, "select count(*) from raw._ingest_batches"),
        (Role.TRANSFORMER, "select count(*) from raw.agents"),
        (Role.TRANSFORMER, "create schema if not exists scratch"),
        (Role.READER, "select count(*) from analytics.scoped"),
    ]
    for role, statement in allowed:
        assert _error_of(role, statement) is None, (role, statement)


def test_reader_sees_only_the_workspace_of_its_session(empty_database):
    with warehouse.connect(Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute("create table analytics.scoped (workspace_id text, n int)")
        cur.execute("insert into analytics.scoped values ('w1', 1), ('w2', 2), (null, 3)")
        warehouse.isolate_workspaces(conn, "analytics.scoped")
        warehouse.isolate_workspaces(conn, "analytics.scoped")  # idempotent
    with warehouse.connect(Role.READER) as conn, conn.cursor() as cur:
        cur.execute("select n from analytics.scoped")
        assert cur.fetchall() == []  # no scope: nothing
        warehouse.set_workspace_scope(cur, "w1")
        cur.execute("select n from analytics.scoped")
        assert cur.fetchall() == [(1,)]
        warehouse.set_workspace_scope(cur, None)
        cur.execute("select n from analytics.scoped order by n")
        assert cur.fetchall() == [(1,), (2,), (3,)]
    # The transformer (dbt, incremental merges) still reads every row.
    with warehouse.connect(Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from analytics.scoped")
        assert cur.fetchone() == (3,)


def test_an_hr_organization_is_the_tenant_of_the_hr_tables(empty_database):
    # The HR pack's published tables carry organization_id, not workspace_id:
    # the same reader scope (app.workspace_id) selects an organization's rows;
    # a table with both columns keeps workspace_id as its tenant column.
    with warehouse.connect(Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute("create table analytics.hr_scoped (organization_id text, n int)")
        cur.execute("insert into analytics.hr_scoped values ('o1', 1), ('o2', 2), (null, 3)")
        cur.execute("create table analytics.both_scoped (workspace_id text, organization_id text)")
        cur.execute("insert into analytics.both_scoped values ('w1', 'o1'), ('w2', 'o2')")
        warehouse.isolate_workspaces(conn, "analytics.hr_scoped")
        warehouse.isolate_workspaces(conn, "analytics.both_scoped")
    with warehouse.connect(Role.READER) as conn, conn.cursor() as cur:
        cur.execute("select n from analytics.hr_scoped")
        assert cur.fetchall() == []
        warehouse.set_workspace_scope(cur, "o2")
        cur.execute("select n from analytics.hr_scoped")
        assert cur.fetchall() == [(2,)]
        cur.execute("select count(*) from analytics.both_scoped")
        assert cur.fetchone() == (0,)
        warehouse.set_workspace_scope(cur, "w1")
        cur.execute("select organization_id from analytics.both_scoped")
        assert cur.fetchall() == [("o1",)]
        warehouse.set_workspace_scope(cur, None)
        cur.execute("select n from analytics.hr_scoped order by n")
        assert cur.fetchall() == [(1,), (2,), (3,)]


def test_dagster_yaml_references_the_secret_instead_of_holding_it(empty_database, monkeypatch):
    url = warehouse.dagster_storage_url().render_as_string(hide_password=False)
    password = warehouse.dagster_storage_url().password
    monkeypatch.setenv("ANALYTICS_DAGSTER_DATABASE_URL", url)
    monkeypatch.setenv("DAGSTER_HOME", str(get_settings().home / "dagster-secret-test"))
    monkeypatch.delenv(STORAGE_URL_VARIABLE, raising=False)
    home = prepare_dagster_home()
    config_file = home / "dagster.yaml"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    text = config_file.read_text()
    assert password not in text
    config = yaml.safe_load(text)
    for key in STORAGE_CLASSES:
        assert config[key]["config"] == {"postgres_url": {"env": STORAGE_URL_VARIABLE}}
    # The instance still reaches its database through the variable, with
    # pooled connections: one opened for many writes.
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_runs_count() >= 0
        for storage in (instance.run_storage, instance.event_log_storage):
            assert isinstance(storage, PooledPostgresEventLogStorage | PooledPostgresRunStorage)
            # One server session serves one use after another.
            assert len({_backend_pid(storage) for _ in range(5)}) == 1


def _backend_pid(storage) -> int:
    with storage._engine.connect() as conn:
        return conn.exec_driver_sql("select pg_backend_pid()").scalar()


def test_status_checks_leave_no_failed_login_in_the_server_log(empty_database):
    server = warehouse.embedded_server()
    offset = server.log_file.stat().st_size
    assert all(server.is_running() for _ in range(3))
    with server.log_file.open("rb") as handle:
        handle.seek(offset)
        written = handle.read().decode(errors="replace")
    assert "FATAL" not in written, written


def test_a_server_left_open_by_an_older_version_is_closed_on_next_use(empty_database):
    server = warehouse.embedded_server()
    hba = server.pgdata / "pg_hba.conf"
    secured = hba.read_text()
    # Taken first: any use of the warehouse API secures a running server.
    passwordless = _params(Role.READER, password="")
    # What versions before the roles left behind: trust for everyone, a 0777 socket.
    hba.write_text("local all all trust\n")
    server._run(server._prepare_system_user(), "pg_ctl", "-D", str(server.pgdata), "reload")
    server.socket_dir.chmod(0o777)
    assert _passwordless_login_works(passwordless, expected=True)  # open to anyone

    assert server.start() is False  # running already: secured in place
    assert hba.read_text() == secured
    assert stat.S_IMODE(server.socket_dir.stat().st_mode) == 0o700
    assert not _passwordless_login_works(passwordless, expected=False)


def _passwordless_login_works(params: dict[str, str], expected: bool) -> bool:
    """Whether the reader gets in without a password; waits (up to 10 s) for
    `expected`, since the server applies a reload asynchronously."""
    deadline = time.monotonic() + 10
    while True:
        try:
            psycopg2.connect(**params).close()
            works = True
        except psycopg2.OperationalError:
            works = False
        if works == expected or time.monotonic() > deadline:
            return works
        time.sleep(0.1)
