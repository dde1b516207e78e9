"""The database connection is lost while `analytics-pipeline ingest` loads a
file: one line on stderr names the file and the cause, that file's batch is
rolled back, files loaded before it stay loaded, and the exit code is 1.
The real CLI runs as a subprocess; its backend is terminated from another
connection in the middle of a COPY."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import psycopg2.extensions

import analytics_pipeline
from analytics_pipeline import warehouse
from analytics_pipeline.cli import EXIT_FAILED
from analytics_pipeline.ingest.loader import APPLICATION_NAME
from analytics_pipeline.sample_data import write_user_activity_file
from analytics_pipeline.warehouse.copy_errors import _driver_reports

REPO_DIR = Path(analytics_pipeline.__file__).resolve().parent.parent
SMALL_ROWS = 1_000
# Several 100,000-row chunks: the load takes seconds, time enough to cut it.
LARGE_ROWS = 250_000


@contextmanager
def _autocommit_cursor() -> Iterator[psycopg2.extensions.cursor]:
    conn = psycopg2.connect(**warehouse.libpq_params(warehouse.admin_url()))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def _ledger_rows(cur) -> int:
    cur.execute("select to_regclass('raw._ingest_batches') is not null")
    if not cur.fetchone()[0]:
        return 0
    cur.execute("select count(*) from raw._ingest_batches")
    return cur.fetchone()[0]


def test_connection_loss_rolls_back_the_file_and_exits_with_one_line(empty_database, tmp_path):
    small = write_user_activity_file(tmp_path / "activity_small.jsonl", SMALL_ROWS, seed=1)
    large = write_user_activity_file(tmp_path / "activity_large.jsonl", LARGE_ROWS, seed=2)
    env = dict(os.environ)  # carries ANALYTICS_HOME and ANALYTICS_WAREHOUSE_DB
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "analytics_pipeline.cli", "ingest", "user_activity"]
    process = subprocess.Popen(
        [*command, str(small), str(large)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    terminated = False
    try:
        with _autocommit_cursor() as cur:
            deadline = time.monotonic() + 120
            while process.poll() is None and time.monotonic() < deadline:
                # Once the small file is committed, cut the large one's COPY.
                if _ledger_rows(cur) == 1:
                    cur.execute(
                        """select pg_terminate_backend(pid) from pg_stat_activity
                           where application_name = %s and datname = current_database()
                             and query ilike 'copy raw.user_activity%%'""",
                        (APPLICATION_NAME,),
                    )
                    if any(row[0] for row in cur.fetchall()):
                        terminated = True
                        break
                time.sleep(0.02)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert terminated, f"the ingest finished before its backend was terminated:\n{stdout}"

    assert process.returncode == EXIT_FAILED
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    (line,) = lines
    assert "Traceback" not in stderr
    assert str(large.resolve()) in line
    assert "connection to the database was lost" in line
    assert "terminating connection due to administrator command" in line
    assert f"{small.resolve()}: read {SMALL_ROWS:,}, loaded {SMALL_ROWS:,}" in stdout

    with _autocommit_cursor() as cur:
        cur.execute("select source_file, rows_loaded from raw._ingest_batches")
        assert cur.fetchall() == [(str(small.resolve()), SMALL_ROWS)]
        cur.execute("select _source_file, count(*) from raw.user_activity group by 1")
        assert cur.fetchall() == [(str(small.resolve()), SMALL_ROWS)]
        cur.execute("select count(*) from raw._quarantine")
        assert cur.fetchone() == (0,)

    # The file loads in full once the database is reachable again.
    again = subprocess.run([*command, str(large)], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"loaded {LARGE_ROWS:,}" in again.stdout


def test_collected_driver_reports_are_printed_when_the_copy_succeeds(capsys):
    hook = sys.excepthook
    with _driver_reports() as reports:
        sys.excepthook(ValueError, ValueError("reported by the driver"), None)  # PyErr_Print
        assert [r[1].args for r in reports] == [("reported by the driver",)]
        assert capsys.readouterr().err == ""
    assert sys.excepthook is hook
    assert "ValueError: reported by the driver" in capsys.readouterr().err
