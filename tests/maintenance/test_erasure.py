"""Proof of the erasure (README.md, "Erasure"): two users active in
the last week, with quarantined lines and a rendered, undelivered report
naming them, ask for deletion; once the deletion has run through the
pipeline, the erasure leaves no trace of their ids or IP addresses in any
table or file, logs what an independent scan counted before, changes no
published table (nor does a rebuild after it, which still equals the
pandas reference), and a second run erases nothing. A late event of an
erased user is erased by the next run through the tombstone."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import psycopg2
import pytest
from psycopg2.extras import Json

from analytics_pipeline import warehouse
from analytics_pipeline.commands.demo import event_day_range
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.learning.tables import primary_key
from analytics_pipeline.maintenance.erasure import ERASURE_LOG, read_log, run_erasure
from analytics_pipeline.reports.control import ensure_control_schema, transaction
from analytics_pipeline.reports.executions import claim_execution, complete_execution
from analytics_pipeline.reports.render import RenderedFile, report_directory
from analytics_pipeline.sample_data import generate_sample
from analytics_pipeline.settings import get_settings
from analytics_pipeline.warehouse.pseudonyms import pseudonym, pseudonym_key
from tests.builds import assert_same_tables, landing_folder, materialize_days
from tests.reference.activity import TABLES as ACTIVITY_TABLES
from tests.reference.oracle import GRAINS, assert_tables_equal_reference, warehouse_table
from tests.selections import CORE_DAILY, CORE_UNPARTITIONED

SCANNED_SCHEMAS = ("raw", "staging", "intermediate", "snapshots", "analytics", "control")
LEARNING = "group:learning or tag:mastery_history"
# What a rebuild after the erasure re-runs before the daily run: the core
# staging, intermediate models and dbt snapshots (the packs hold no core user).
CORE_MODELS = (
    "(group:staging or group:intermediate or group:snapshots)"
    " and not tag:data_snapshots and not tag:mastery_history"
)
REPORT = "workspace_activity_export"
# Published tables with a pandas reference: the activity tables, and the
# learning tables dbt builds (the Python ones are per as-of date, below).
PUBLISHED = sorted([*ACTIVITY_TABLES, "daily_user_stats", "user_learning_metrics"])
PYTHON_LEARNING = ("topic_mastery", "knowledge_gaps", "exam_readiness")


def _query(sql: str, params: tuple = ()) -> list[tuple]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _mentions(needles: list[str]) -> dict[str, int]:
    """Rows of every table of SCANNED_SCHEMAS whose text (every column cast
    to text) contains one of `needles`, per table with any."""
    # Tables and partitioned tables, not their partitions: a parent's scan
    # reads its partitions' rows.
    tables = _query(
        "select format('%%I.%%I', n.nspname, c.relname) from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = any(%s) and c.relkind in ('r', 'p') and not c.relispartition"
        " order by 1",
        (list(SCANNED_SCHEMAS),),
    )
    found = {}
    for (table,) in tables:
        ((rows,),) = _query(
            f"select count(*) from {table} as r where r::text ~ %s",
            ("|".join(needles).replace(".", r"\."),),
        )
        if rows:
            found[table] = rows
    return found


def _files_mentioning(needles: list[str]) -> list[Path]:
    home = get_settings().home
    return [
        path
        for folder in (home / "reports", home / "dashboards")
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file() and any(n.encode() in path.read_bytes() for n in needles)
    ]


def _published() -> dict[str, pd.DataFrame]:
    tables = {
        name: warehouse_table(name).sort_values(GRAINS[name]).reset_index(drop=True)
        for name in PUBLISHED
    }
    for name in PYTHON_LEARNING:
        frame = warehouse_table(name, "analytics")
        tables[name] = frame.sort_values(list(primary_key(name))).reset_index(drop=True)
    return tables


def _chosen_users() -> list[tuple]:
    """Two users active in the last days with IP addresses and learning facts,
    not deleted: (user_id, workspace_id, role, created_at)."""
    return _query(
        "select user_id, workspace_id, role, created_at from ("
        "  select distinct on (user_id) * from raw.users"
        "  order by user_id, updated_at desc, _ingested_at desc, _source_line desc"
        ") as u"
        " where deleted_at is null"
        " and exists (select 1 from raw.user_activity as a where a.user_id = u.user_id"
        "   and a.ip_address is not null"
        "   and a.occurred_at >= (select max(occurred_at) - interval '5 days'"
        "     from raw.user_activity))"
        " and exists (select 1 from raw.question_attempts as q where q.user_id = u.user_id)"
        " order by md5(user_id) limit 2"
    )


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, default=str) + "\n" for row in rows))
    return path


def _rendered_before_deletion(ids: list[str], scheduled_for: dt.datetime) -> None:
    """The report's CSV and PDF as rendered before the deletion arrived (they
    name the users), completed and not delivered, through the executions API."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        ensure_control_schema(conn)
        with transaction(conn) as cur:
            cur.execute(
                "insert into control.report_definitions (id, name, report_type, configuration)"
                " values (%s, 'Workspace activity export', 'export', %s)",
                (REPORT, Json({"data_source": "user_engagement_metrics", "columns": ["user_id"]})),
            )
        for fmt, text in (
            ("csv", "user_id,events\n" + "".join(f"{user_id},3\n" for user_id in ids)),
            ("pdf", "%PDF-1.4\n" + " ".join(ids) + "\n%%EOF\n"),
        ):
            execution = claim_execution(conn, REPORT, scheduled_for, fmt)
            path = report_directory(REPORT) / f"{REPORT}_before_deletion.{fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            rendered = RenderedFile(
                path, path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest(), 2, 1
            )
            complete_execution(conn, execution.id, rendered)


@pytest.fixture(scope="module")
def dataset(fresh_database, tmp_path_factory):
    """A built warehouse where two users asked for deletion after a report
    named them, the deletion processed by the pipeline (not erased yet)."""
    folder = tmp_path_factory.mktemp("erasure")
    landing = folder / "landing"
    summary = generate_sample(landing, workspaces=2, users=40, days=14, seed=11)
    with landing_folder(landing):
        assert materialize("group:raw", log_level="WARNING").success
    users = _chosen_users()
    assert len(users) == 2
    ids = [user[0] for user in users]
    # A quarantined line per user: verbatim payload with the id and an IP of theirs only.
    own_ips = [f"198.51.100.{10 + i}" for i in range(len(ids))]
    bad = _jsonl(
        folder / "user_activity_bad.jsonl",
        [
            {
                "event_id": f"bad-{i}",
                "user_id": user_id,
                "workspace_id": users[i][1],
                "event_type": "not-a-type",
                "ip_address": own_ips[i],
                "occurred_at": "2026-09-01T08:00:00Z",
            }
            for i, user_id in enumerate(ids)
        ],
    )
    assert ingest_files("user_activity", [bad])[0].rows_quarantined == 2
    # The deletion: a new users version with deleted_at, after their last event.
    deleted_at = "2026-10-01T23:00:00Z"
    deletion = _jsonl(
        folder / "users_deleted.jsonl",
        [
            {
                "user_id": user_id,
                "workspace_id": workspace_id,
                "role": role,
                "created_at": created_at.isoformat(),
                "updated_at": deleted_at,
                "deleted_at": deleted_at,
            }
            for user_id, workspace_id, role, created_at in users
        ],
    )
    assert ingest_files("users", [deletion])[0].rows_loaded == 2
    assert materialize(CORE_UNPARTITIONED, log_level="WARNING").success
    first, last = (dt.date.fromisoformat(d) for d in event_day_range())
    materialize_days(CORE_DAILY, first, last)
    assert materialize(LEARNING, as_of=last.isoformat(), log_level="WARNING").success
    _rendered_before_deletion(ids, dt.datetime.combine(last, dt.time(6), tzinfo=dt.UTC))
    assert len(_files_mentioning(ids)) == 2

    # Every deleted user is erased: the two, and those the sample deletes.
    ids = [
        user_id
        for (user_id,) in _query(
            "select user_id from (select distinct on (user_id) user_id, deleted_at from raw.users"
            " order by user_id, updated_at desc, _ingested_at desc, _source_line desc) as newest"
            " where deleted_at is not null order by user_id"
        )
    ]
    assert set(ids) >= {user[0] for user in users}
    ips = [
        ip
        for (ip,) in _query(
            "select distinct ip_address from raw.user_activity where user_id = any(%s)"
            " and ip_address is not null except"
            " select ip_address from raw.user_activity where user_id <> all(%s)",
            (ids, ids),
        )
    ]
    files = {k: list(v) for k, v in summary.files.items()}
    files["user_activity"] = files["user_activity"] + [bad]
    files["users"] = files["users"] + [deletion]
    before = _published()
    mentions = _mentions(ids)
    result = run_erasure("test-run-1")
    print("erased per table:", json.dumps(result.rows_per_table()))  # shown with -rP
    yield {
        "asked": [user[0] for user in users],
        "asked_workspaces": [user[1] for user in users],
        "ids": ids,
        "ips": own_ips + ips,
        "last": last,
        "files": files,
        "before": before,
        "mentions": mentions,
        "result": result,
    }


def test_the_users_had_rows_everywhere_but_in_the_published_tables_before(dataset):
    schemas = {table.split(".")[0] for table in dataset["mentions"]}
    # Deleted users count nowhere already: analytics holds none of their rows.
    assert schemas == {"raw", "staging", "intermediate", "snapshots"}
    assert dataset["mentions"]["raw._quarantine"] == 2
    assert len(dataset["ips"]) > 2


def test_no_table_or_file_holds_an_id_or_ip_after_erasure(dataset):
    assert _mentions(dataset["ids"] + dataset["ips"]) == {}
    assert _files_mentioning(dataset["ids"] + dataset["ips"]) == []


def test_the_log_counts_what_an_independent_scan_counted(dataset):
    result = dataset["result"]
    assert len(result.users) == len(dataset["ids"])
    key = pseudonym_key(get_settings())
    assert sorted(u.user_pseudonym for u in result.users) == sorted(
        pseudonym(key, user_id) for user_id in dataset["ids"]
    )
    logged = result.rows_per_table()
    # Every mention is erased (the report execution's row names no user).
    assert logged == dataset["mentions"]
    log = read_log()
    assert {row["user_pseudonym"] for row in log} == {u.user_pseudonym for u in result.users}
    totals: dict[str, int] = {}
    for row in log:
        for table, rows in {**row["rows_deleted"], **row["rows_pseudonymized"]}.items():
            totals[table] = totals.get(table, 0) + rows
        assert row["erased_at"] is not None and row["deleted_at"] is not None
    assert dict(sorted(totals.items())) == logged
    removed = {f["path"] for row in log for f in row["files"]}
    assert {Path(p).suffix for p in removed} == {".csv", ".pdf"}
    assert not any(Path(p).exists() for p in removed)
    (status,) = _query(
        "select array_agg(distinct status) from control.report_executions where report_id = %s",
        (REPORT,),
    )
    assert status[0] == ["failed"]  # withdrawn: a new run for that time may render them
    scheduled = dt.datetime.combine(dataset["last"], dt.time(6), tzinfo=dt.UTC)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        assert claim_execution(conn, REPORT, scheduled, "csv") is not None


def test_published_tables_are_unchanged_and_stay_so_after_a_rebuild(dataset):
    last = dataset["last"]
    assert_same_tables(dataset["before"], _published())
    assert materialize(CORE_MODELS, log_level="WARNING").success
    materialize_days(CORE_DAILY, last, last)
    assert materialize(LEARNING, as_of=last.isoformat(), log_level="WARNING").success
    assert_same_tables(dataset["before"], _published())
    assert_tables_equal_reference(dataset["files"], last, PUBLISHED)
    # The snapshots and rebuilt models brought nothing of the users back.
    assert _mentions(dataset["ids"] + dataset["ips"]) == {}


def test_a_second_run_erases_nothing(dataset):
    # Through the asset, as the schedule runs it.
    run = materialize("key:maintenance/erasure", log_level="WARNING")
    assert run.success
    (materialization,) = run.asset_materializations_for_node("maintenance__erasure")
    assert materialization.metadata["users_erased"].value == 0
    assert materialization.metadata["rows_per_table"].value == "nothing to erase"
    ((rows,),) = _query(f"select count(*) from {ERASURE_LOG} where run_id = %s", (run.run_id,))
    assert rows == 0


def test_the_cli_prints_a_dry_run_and_the_log_without_ids(dataset, capsys):
    from analytics_pipeline.cli import main

    assert main(["erasure", "run", "--dry-run"]) == 0
    assert "nothing to erase" in capsys.readouterr().out
    assert main(["erasure", "log"]) == 0
    out = capsys.readouterr().out
    assert all(user.user_pseudonym[:16] in out for user in dataset["result"].users)
    assert "raw.user_activity" in out and "file removed" in out
    assert not any(user_id in out for user_id in dataset["ids"])


def _events_on(day: dt.date, workspace_id: str) -> int:
    daily = warehouse_table("daily_metrics")
    row = daily[(daily.metric_date == day) & (daily.workspace_id == workspace_id)]
    return int(row.events.iloc[0]) if len(row) else 0


def test_a_late_event_of_an_erased_user_counts_until_the_next_run_erases_it(dataset, tmp_path):
    """The tombstone catches rows that arrive after the erasure, and the days
    they reached are recomputed, however old (beyond the lookback)."""
    user_id, workspace_id = dataset["asked"][0], dataset["asked_workspaces"][0]
    day = dataset["last"] - dt.timedelta(days=8)
    events_before = _events_on(day, workspace_id)
    late = _jsonl(
        tmp_path / "user_activity_late.jsonl",
        [
            {
                "event_id": "late-after-erasure",
                "user_id": user_id,
                "workspace_id": workspace_id,
                "event_type": "page_view",
                "ip_address": "198.51.100.99",
                "occurred_at": f"{day}T09:00:00Z",
            }
        ],
    )
    assert ingest_files("user_activity", [late])[0].rows_loaded == 1
    dry = run_erasure("test-run-3", dry_run=True)
    assert [u.rows_deleted for u in dry.users] == [{"raw.user_activity": 1}]
    assert _mentions([user_id]) == {"raw.user_activity": 1}  # a dry run changes nothing
    # The pipeline runs first: the event counts (the user's users rows are gone).
    assert materialize(CORE_MODELS, log_level="WARNING").success
    materialize_days(CORE_DAILY, dataset["last"], dataset["last"])
    assert _events_on(day, workspace_id) == events_before + 1
    result = run_erasure("test-run-4")
    (user,) = result.users
    assert user.user_pseudonym == pseudonym(pseudonym_key(get_settings()), user_id)
    assert user.deleted_at is not None  # the tombstone's
    assert user.rows_deleted["raw.user_activity"] == 1
    assert user.rows_deleted["staging.stg_user_activity"] == 1
    assert user.dirty_days == 1
    assert _mentions([user_id, "198.51.100.99"]) == {}
    materialize_days(CORE_DAILY, dataset["last"], dataset["last"])
    assert _events_on(day, workspace_id) == events_before
    assert_same_tables(dataset["before"], _published())


def test_the_eraser_is_the_only_role_that_may_delete_raw_rows(dataset):
    with (
        pytest.raises(psycopg2.errors.InsufficientPrivilege),
        warehouse.connect(warehouse.Role.TRANSFORMER) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("delete from raw.users")


def test_an_empty_warehouse_has_nobody_to_erase(empty_database):
    assert run_erasure("test-empty").users == ()
    assert read_log() == []
