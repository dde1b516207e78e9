"""Formats, lineage, the ledger, re-ingest skips and the accounting, through the
real loader and the real embedded PostgreSQL."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
import shutil
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main as cli_main
from analytics_pipeline.ingest import ingest_files, loader
from analytics_pipeline.ingest.readers import UnsupportedFileError, read_chunks

RUNS_HEADER = (
    "run_id,agent_id,workspace_id,user_id,status,started_at,ended_at,runtime_seconds,"
    "credits_consumed,model,tokens_used,error_type,user_rating,updated_at"
)


def _query(sql: str, params=()) -> list[tuple]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_csv_rows_fields_quoting_and_line_numbers(empty_database, tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text(
        RUNS_HEADER + "\n"
        "r1,a1,w1,u1,completed,2026-09-01T10:00:00Z,2026-09-01T10:01:00Z,60,1.5,m1,100,,5,"
        "2026-09-01T10:01:00Z\n"
        "r2,a1,w1\n"  # wrong field count
        '"r3,a1,w1,u1,"running",2026-09-01T10:00:00Z,,,,,,,,2026-09-01T10:00:00Z\n'  # bad quote
        'r4,a1,w1,u1,running,2026-09-01T10:00:00Z,,,,"multi\nline model",,,,'
        "2026-09-01T10:00:00Z\n"
        "r5,a1,w1,u1,failed,2026-09-01T10:00:00Z,2026-09-01T10:00:30Z,30,0,,,Timeout,,"
        "2026-09-01T10:00:30Z\n"
    )
    (result,) = ingest_files("agent_runs", [path])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 3, 2)
    loaded = _query(
        "select run_id, model, error_type, runtime_seconds, _source_line, _source_file "
        "from raw.agent_runs order by run_id"
    )
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in loaded] == [
        ("r1", "m1", None, Decimal("60"), 2),
        ("r4", "multi\nline model", None, None, 5),  # first line of a multi-line record
        ("r5", None, "Timeout", Decimal("30"), 7),
    ]
    assert {r[5] for r in loaded} == {str(path.resolve())}
    rejected = _query("select source_line, reason, payload from raw._quarantine order by 1")
    assert rejected[0] == (3, "CSV row has 3 fields, the header has 14", "r2,a1,w1")
    assert rejected[1][0] == 4 and rejected[1][1].startswith("line is not valid CSV")
    assert rejected[1][2].startswith('"r3,a1,w1,u1,"running"')


def test_gzip_jsonl_and_csv(empty_database, tmp_path):
    jsonl = tmp_path / "users.jsonl.gz"
    with gzip.open(jsonl, "wt") as handle:
        handle.write(
            json.dumps(
                {
                    "user_id": "u1",
                    "workspace_id": "w1",
                    "role": "OWNER",
                    "created_at": "2026-01-01",
                    "updated_at": "2026-01-01",
                }
            )
            + "\n"
        )
    csv_path = tmp_path / "topics.csv.gz"
    with gzip.open(csv_path, "wt") as handle:
        handle.write(
            "topic_id,parent_topic_id,name,level,board_exam_weight,updated_at\n"
            "t1,,Cardiology,system,0.25,2026-01-01T00:00:00Z\n"
            "t2,t1,Arrhythmia,subject,,2026-01-01T00:00:00Z\n"
        )
    assert ingest_files("users", [jsonl])[0].rows_loaded == 1
    assert ingest_files("topics", [csv_path])[0].rows_loaded == 2
    assert _query(
        "select topic_id, parent_topic_id, board_exam_weight from raw.topics order by 1"
    ) == [("t1", None, Decimal("0.25")), ("t2", "t1", None)]
    assert _query("select file_format from raw._ingest_batches order by file_format") == [
        ("csv.gz",),
        ("jsonl.gz",),
    ]


def test_parquet_native_types(empty_database, tmp_path):
    table = pa.table(
        {
            "agent_id": ["a1", "a2", None],
            "workspace_id": ["w1", "w1", "w1"],
            "name": ["Writer", "Coder", "Nameless"],
            "created_at": pa.array(
                [dt.datetime(2026, 1, 1, 8), dt.datetime(2026, 1, 2), dt.datetime(2026, 1, 3)],
                type=pa.timestamp("us"),
            ),
            "updated_at": pa.array(
                [dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)] * 3, type=pa.timestamp("us", tz="UTC")
            ),
        }
    )
    path = tmp_path / "agents.parquet"
    pq.write_table(table, path)
    (result,) = ingest_files("agents", [path])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert _query(
        "select agent_id, created_at at time zone 'UTC', _source_line from raw.agents order by 1"
    ) == [
        ("a1", dt.datetime(2026, 1, 1, 8), 1),
        ("a2", dt.datetime(2026, 1, 2), 2),
    ]
    (payload,) = _query("select payload from raw._quarantine")[0]
    assert json.loads(payload)["name"] == "Nameless"


def test_reingest_same_content_is_skipped(empty_database, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps(
            {
                "agent_id": "a1",
                "workspace_id": "w1",
                "name": "A",
                "created_at": "2026-01-01",
                "updated_at": "2026-01-01",
            }
        )
        + "\n"
    )
    first = ingest_files("agents", [path])[0]
    copy = tmp_path / "renamed.jsonl"
    shutil.copy(path, copy)
    again = ingest_files("agents", [path, copy])
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert {r.batch_id for r in again} == {first.batch_id}
    assert _query("select count(*) from raw.agents") == [(1,)]
    # The same content is a new batch for another source's table.
    other = ingest_files("agents", [path])[0]
    assert other.status == "skipped"


def test_every_batch_accounts_for_every_row(empty_database, tmp_path):
    lines = [
        json.dumps(
            {
                "event_id": f"e{i}",
                "user_id": "u",
                "workspace_id": "w",
                "event_type": "login" if i % 7 else "nope",
                "occurred_at": "2026-09-01T00:00:00Z",
            }
        )
        for i in range(250)
    ]
    lines[10] = "{broken"
    files = []
    for part in range(3):
        path = tmp_path / f"ua{part}.jsonl"
        path.write_text("\n".join(lines[part * 80 : (part + 1) * 80 + 10]) + "\n")
        files.append(path)
    results = ingest_files("user_activity", files)
    assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in results)
    ledger = _query(
        "select batch_id, rows_read, rows_loaded, rows_quarantined "
        "from raw._ingest_batches order by batch_id"
    )
    for batch_id, read, loaded, quarantined in ledger:
        (in_raw,) = _query(
            "select count(*) from raw.user_activity where _batch_id = %s", (batch_id,)
        )[0]
        (in_quarantine,) = _query(
            "select count(*) from raw._quarantine where batch_id = %s", (batch_id,)
        )[0]
        assert (in_raw, in_quarantine) == (loaded, quarantined)
        assert read == in_raw + in_quarantine
    assert sum(r[1] for r in ledger) == sum(len(p.read_text().splitlines()) for p in files)


def test_lineage_columns(empty_database, tmp_path):
    path = tmp_path / "w.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "workspace_id": f"w{i}",
                    "name": "n",
                    "subscription_status": "ACTIVE",
                    "created_at": "2026-01-01",
                    "updated_at": "2026-01-01",
                }
            )
            for i in range(3)
        )
        + "\n"
    )
    (result,) = ingest_files("workspaces", [path])
    rows = _query(
        "select _source_file, _source_line, _batch_id, _ingested_at "
        "from raw.workspaces order by _source_line"
    )
    assert [r[1] for r in rows] == [1, 2, 3]
    assert {r[0] for r in rows} == {str(path.resolve())}
    assert {r[2] for r in rows} == {result.batch_id}
    assert len({r[3] for r in rows}) == 1
    (started,) = _query(
        "select started_at from raw._ingest_batches where batch_id = %s", (result.batch_id,)
    )[0]
    assert rows[0][3] == started


def test_unsupported_file_is_refused_before_loading(empty_database, tmp_path):
    path = tmp_path / "events.xml"
    path.write_text("<x/>")
    with pytest.raises(UnsupportedFileError):
        ingest_files("user_activity", [path])


def _workspaces_jsonl(ids) -> str:
    return "".join(
        json.dumps(
            {
                "workspace_id": i,
                "name": "n",
                "subscription_status": "ACTIVE",
                "created_at": "2026-01-01",
                "updated_at": "2026-01-01",
            }
        )
        + "\n"
        for i in ids
    )


def test_on_failure_rolls_back_the_failed_file_and_loads_the_others(
    empty_database, tmp_path, monkeypatch
):
    # Small chunks: the truncated file COPYs some rows before it breaks.
    monkeypatch.setattr(loader, "read_chunks", functools.partial(read_chunks, chunk_rows=50))
    before = tmp_path / "a.jsonl"
    before.write_text(_workspaces_jsonl(["a1"]))
    whole = gzip.compress(_workspaces_jsonl([f"t{i}" for i in range(2000)]).encode())
    truncated = tmp_path / "b.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    after = tmp_path / "c.jsonl"
    after.write_text(_workspaces_jsonl(["c1"]))
    missing = tmp_path / "gone.jsonl"
    unsupported = tmp_path / "d.xml"
    unsupported.write_text("<x/>")

    failures = []
    results = ingest_files(
        "workspaces", [before, truncated, missing, unsupported, after], on_failure=failures.append
    )
    assert [r.file for r in results] == [str(before.resolve()), str(after.resolve())]
    assert _query("select workspace_id from raw.workspaces order by 1") == [("a1",), ("c1",)]
    assert _query("select count(*) from raw._ingest_batches") == [(2,)]
    assert [(f.file, f.file_sha256) for f in failures] == [
        (str(truncated.resolve()), loader.file_sha256(truncated)),
        (str(missing.resolve()), None),
        (str(unsupported.resolve()), loader.file_sha256(unsupported)),
    ]
    assert failures[0].reason.startswith("EOFError: Compressed file ended")
    assert failures[1].reason.startswith("FileNotFoundError: no such file")
    assert failures[2].reason.startswith("UnsupportedFileError: d.xml")
    assert all("\n" not in f.reason for f in failures)

    # Without on_failure the error propagates, as the CLI expects.
    with pytest.raises(EOFError):
        ingest_files("workspaces", [truncated])


def test_cli_ingest_prints_counts_and_exit_codes(empty_database, tmp_path, capsys):
    path = tmp_path / "ua.jsonl"
    path.write_text(
        json.dumps(
            {
                "event_id": "e1",
                "user_id": "u",
                "workspace_id": "w",
                "event_type": "login",
                "occurred_at": "2026-09-01",
            }
        )
        + "\n[1]\n"
    )
    assert cli_main(["ingest", "user_activity", str(path)]) == 0
    out = capsys.readouterr().out
    assert "read 2, loaded 1, quarantined 1" in out
    assert cli_main(["ingest", "user_activity", str(path)]) == 0
    assert "skipped" in capsys.readouterr().out
    assert cli_main(["ingest", "no_such_source", str(path)]) == 2
    assert cli_main(["ingest", "user_activity", str(tmp_path / "missing.jsonl")]) == 2


BOM = b"\xef\xbb\xbf"
ACTIVITY_CSV = (
    "event_id,user_id,workspace_id,event_type,occurred_at\n"
    "e1,u1,w1,login,2026-09-01T10:00:00Z\n"
    "e2,u1,w1,logout,2026-09-01T11:00:00Z\n"
)
ACTIVITY_JSONL = "".join(
    json.dumps(
        {
            "event_id": event_id,
            "user_id": "u1",
            "workspace_id": "w1",
            "event_type": event_type,
            "occurred_at": occurred_at,
        }
    )
    + "\n"
    for event_id, event_type, occurred_at in (
        ("e1", "login", "2026-09-01T10:00:00Z"),
        ("e2", "logout", "2026-09-01T11:00:00Z"),
    )
)


@pytest.mark.parametrize(
    ("name", "text", "first_line"),
    [
        ("export.csv", ACTIVITY_CSV, 2),
        ("export.csv.gz", ACTIVITY_CSV, 2),
        ("export.jsonl", ACTIVITY_JSONL, 1),
        ("export.ndjson.gz", ACTIVITY_JSONL, 1),
    ],
    ids=["csv", "csv.gz", "jsonl", "ndjson.gz"],
)
def test_a_utf8_byte_order_mark_starts_the_file_not_the_first_row(
    empty_database, tmp_path, name, text, first_line
):
    data = BOM + text.encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    (result,) = ingest_files("user_activity", [path])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    assert _query(
        "select event_id, event_type, _source_line from raw.user_activity order by event_id"
    ) == [("e1", "login", first_line), ("e2", "logout", first_line + 1)]
    assert _query("select count(*) from raw._quarantine") == [(0,)]


def test_empty_files_are_each_recorded_once_by_name(empty_database, tmp_path, capsys):
    """Files without rows share contents (0 bytes here): each is its own ledger
    row, known by its path; reading it again is a skip, not a new batch."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(b"")
    second.write_bytes(b"")
    results = ingest_files("agents", [first, second])
    assert [
        (r.file, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results
    ] == [
        (str(first.resolve()), "empty", 0, 0, 0),
        (str(second.resolve()), "empty", 0, 0, 0),
    ]
    assert results[0].batch_id != results[1].batch_id
    again = ingest_files("agents", [second, first])
    assert [(r.status, r.batch_id) for r in again] == [
        ("skipped", results[1].batch_id),
        ("skipped", results[0].batch_id),
    ]
    assert _query(
        "select batch_id, source_file, file_bytes, rows_read, rows_loaded, rows_quarantined "
        "from raw._ingest_batches order by source_file"
    ) == [
        (results[0].batch_id, str(first.resolve()), 0, 0, 0, 0),
        (results[1].batch_id, str(second.resolve()), 0, 0, 0, 0),
    ]

    # Through the CLI: a bare CSV header and blank lines hold no rows either.
    header = tmp_path / "header.csv"
    header.write_text("agent_id,workspace_id,name,created_at,updated_at\n")
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n")
    assert cli_main(["ingest", "agents", str(header), str(blank), str(first)]) == 0
    lines = capsys.readouterr().out.splitlines()
    batches = dict(_query("select source_file, batch_id from raw._ingest_batches"))
    assert lines == [
        f"{header.resolve()}: empty, no rows (recorded in batch {batches[str(header.resolve())]})",
        f"{blank.resolve()}: empty, no rows (recorded in batch {batches[str(blank.resolve())]})",
        f"{first.resolve()}: skipped (already ingested in batch {results[0].batch_id})",
        "total: 3 files (1 skipped, 2 empty, 0 failed), read 0, loaded 0, quarantined 0",
    ]
    assert _query("select count(*) from raw._ingest_batches where rows_read = 0") == [(4,)]
    assert _query("select count(*) from raw.agents") == [(0,)]
    assert _query("select count(*) from raw._quarantine") == [(0,)]


def test_a_content_with_rows_still_loads_once_under_any_name(empty_database, tmp_path):
    """The ledger's uniqueness, now split by emptiness, still refuses a second
    batch of a content with rows (even written past the loader's check)."""
    path = tmp_path / "w.jsonl"
    path.write_text(_workspaces_jsonl(["w1"]))
    (loaded,) = ingest_files("workspaces", [path])
    with pytest.raises(Exception, match="_ingest_batches_content_once"):
        _query(
            "insert into raw._ingest_batches select 'other', source, 'elsewhere.jsonl', "
            "file_sha256, file_bytes, file_format, rows_read, rows_loaded, rows_quarantined, "
            "started_at, finished_at from raw._ingest_batches where batch_id = %s",
            (loaded.batch_id,),
        )


def test_a_ledger_made_before_empty_files_counted_by_name_is_migrated(empty_database, tmp_path):
    """A ledger created unique by (source, sha256) loses that constraint on the
    next ingest, so two empty files can both be recorded."""
    _query(
        """create schema if not exists raw;
           create table raw._ingest_batches (
               batch_id text primary key, source text not null, source_file text not null,
               file_sha256 text not null, file_bytes bigint not null, file_format text not null,
               rows_read bigint not null, rows_loaded bigint not null,
               rows_quarantined bigint not null, started_at timestamptz not null,
               finished_at timestamptz not null,
               constraint _ingest_batches_file_once unique (source, file_sha256),
               constraint _ingest_batches_accounting
                   check (rows_read = rows_loaded + rows_quarantined));
           select 1"""
    )
    paths = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for path in paths:
        path.write_bytes(b"")
    assert [r.status for r in ingest_files("agents", paths)] == ["empty", "empty"]
    assert _query(
        "select conname from pg_constraint where conrelid = 'raw._ingest_batches'::regclass "
        "and contype <> 'n' "
        "order by 1"
    ) == [("_ingest_batches_accounting",), ("_ingest_batches_pkey",)]
