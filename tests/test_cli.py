"""The `analytics-pipeline` command as a user runs it: a selection of part of a
multi-asset takes all of it; user errors are one line on stderr with exit code
2, and the other files of an ingest still load; a failed run says its cause
and where the log is. (`materialize` of everything, then of a day, runs in
tests/test_end_to_end.py, which builds everything through it.)"""

from __future__ import annotations

import gzip
import json
import os

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main as cli_main
from analytics_pipeline.commands.materialize import resolve_selection
from analytics_pipeline.learning.assets import EXAM_READINESS, SUBJECT_PERCENTILES
from tests.command_line import assert_readable, run_cli


def test_a_selection_of_part_of_a_multi_asset_takes_all_of_it():
    notes: list[str] = []
    keys = resolve_selection("key:learning/exam_readiness", say=notes.append)
    assert keys == {EXAM_READINESS, SUBJECT_PERCENTILES}
    (note,) = notes
    assert "learning/subject_percentiles" in note


def test_ingest_reports_each_bad_file_in_one_line_and_loads_the_others(
    empty_database, tmp_path, capsys
):
    rows = [
        {
            "event_id": f"e{n}",
            "user_id": "u",
            "workspace_id": "w",
            "event_type": "login",
            "occurred_at": "2026-09-01",
        }
        for n in range(300)
    ]
    first, last = tmp_path / "first.jsonl", tmp_path / "last.jsonl"
    first.write_text(json.dumps(rows[0]) + "\n")
    last.write_text(json.dumps(rows[1]) + "\n")
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    unsupported = tmp_path / "notes.txt"
    unsupported.write_text("hello\n")

    code = cli_main(
        ["ingest", "user_activity", str(first), str(truncated), str(unsupported), str(last)]
    )
    assert code == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    errors = err.strip().splitlines()
    assert len(errors) == 3, err  # one per bad file, and the count
    assert str(truncated) in errors[0] and "truncated" in errors[0]
    assert str(unsupported) in errors[1] and "unsupported file type" in errors[1]
    assert str(first) in out and str(last) in out
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute("select event_id from raw.user_activity order by 1")
        assert cur.fetchall() == [("e0",), ("e1",)]
        cur.execute("select source_file, reason from raw._ingest_failures order by failed_at")
        failures = cur.fetchall()
    assert [f for f, _ in failures] == [str(truncated), str(unsupported)]
    assert failures[0][1].startswith("EOFError")


def test_an_unreachable_database_url_is_one_line_exit_2(analytics_home, tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text("{}\n")
    saved = os.environ.get("ANALYTICS_DATABASE_URL")
    try:
        for url in ("postgresql://someone:secret@127.0.0.1:1/analytics", "not a url"):
            os.environ["ANALYTICS_DATABASE_URL"] = url
            assert cli_main(["ingest", "user_activity", str(path)]) == 2
            err = capsys.readouterr().err
            assert len(err.strip().splitlines()) == 1 and err.startswith("error: warehouse:"), err
            assert "secret" not in err
    finally:
        if saved is None:
            os.environ.pop("ANALYTICS_DATABASE_URL", None)
        else:
            os.environ["ANALYTICS_DATABASE_URL"] = saved


def test_a_failed_run_says_its_cause_and_where_the_log_is(empty_database):
    # knowledge_gaps reads the learning facts, which an empty database lacks.
    result = run_cli(
        "materialize", "--select", "key:learning/knowledge_gaps", "--as-of", "2026-09-01"
    )
    assert result.returncode == 1
    log = assert_readable(result)
    assert 'relation "intermediate.int_learning_attempts" does not exist' in result.stdout
    (error,) = result.stderr.strip().splitlines()
    assert error.startswith("error: materialize failed") and str(log) in error
    text = log.read_text()  # the whole story is in the log
    assert "learning__knowledge_gaps failed:" in text and "Stack Trace:" in text
