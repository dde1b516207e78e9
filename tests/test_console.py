"""The console of the long commands: our lines on the terminal, everything
else (dbt, Dagster, subprocesses) in the log file, a heartbeat off a terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import warnings

import dagster as dg

from analytics_pipeline.console import Console, logged_output, quiet_dagster_warnings


def test_off_a_terminal_a_long_step_prints_a_line_now_and_then():
    out = io.StringIO()
    console = Console(out, heartbeat=0.05)
    console.status = "loading big.jsonl"
    console("[   0.0s] ingesting ...")
    time.sleep(0.3)
    console.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "[   0.0s] ingesting ..."
    assert len(lines) >= 3
    assert all(line.startswith("  ... still loading big.jsonl (") for line in lines[1:])
    assert "\r" not in out.getvalue()  # no status line rewriting off a terminal


def test_logged_output_keeps_the_terminal_for_our_lines(analytics_home, capfd):
    with logged_output("unit") as say:
        say("[   0.1s] step one")
        print("dbt: Running with dbt=1.11")  # Python-level, as dagster-dbt writes
        sys.stderr.write("dagster - WARNING - a run log line\n")
        subprocess.run(["echo", "from a subprocess"], check=True)
        os.write(2, b"fd-level stderr\n")
        warnings.warn("something the user should know", UserWarning, stacklevel=1)
    out, err = capfd.readouterr()
    assert out.splitlines()[0] == f"logs (dbt, Dagster): {say.log_path}"
    assert out.splitlines()[1:] == [
        "[   0.1s] step one",
        "warning: UserWarning: something the user should know",
    ]
    assert err == ""
    log = say.log_path.read_text()
    for text in ("step one", "Running with dbt", "a run log line", "from a subprocess", "fd-level"):
        assert text in log
    assert say.log_path.parent == analytics_home / "logs"


def test_dagster_api_notices_are_not_shown():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_dagster_warnings()
        warnings.warn("`x` is currently in beta", dg.BetaWarning, stacklevel=1)
        warnings.warn("superseded", dg.SupersessionWarning, stacklevel=1)
        warnings.warn("kept", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["kept"]
