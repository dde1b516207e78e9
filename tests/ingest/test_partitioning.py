"""The raw event tables' month partitions: made ahead of each batch's months by
the loader, readable like their parent, and an unpartitioned table of an older
warehouse converted in place without losing a row."""

from __future__ import annotations

import json

from analytics_pipeline import warehouse
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.ingest.schema import prepare_landing_tables


def _query(sql: str, params=(), role=warehouse.Role.ADMIN) -> list[tuple]:
    with warehouse.connect(role) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _event(i: int, occurred_at: str) -> dict:
    return {
        "event_id": f"e{i}",
        "user_id": f"u{i % 7}",
        "workspace_id": "ws_1",
        "event_type": "page_view",
        "occurred_at": occurred_at,
    }


def _rows_by_partition(table: str) -> dict[str, int]:
    return dict(
        _query(f"select tableoid::regclass::text, count(*) from {table} group by 1 order by 1")
    )


def test_a_batch_spanning_three_months_lands_in_three_new_partitions(empty_database, tmp_path):
    path = tmp_path / "events.jsonl"
    times = [
        "2026-07-31T23:59:59Z",
        "2026-08-01T00:00:00Z",
        "2026-08-15T12:00:00+02:00",
        "2026-09-30T23:00:00-02:00",
    ]  # the last is 2026-10-01 01:00 UTC
    path.write_text("".join(json.dumps(_event(i, t)) + "\n" for i, t in enumerate(times)))

    [result] = ingest_files("user_activity", [path])

    assert result.rows_loaded == 4
    assert _rows_by_partition("raw.user_activity") == {
        "raw.user_activity_p2026_07": 1,
        "raw.user_activity_p2026_08": 2,
        "raw.user_activity_p2026_10": 1,
    }
    names = [
        n
        for (n,) in _query(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
            "where i.inhparent = 'raw.user_activity'::regclass order by 1"
        )
    ]
    # Only the months the batch brings (no gap-filling September), and the default.
    assert names == [
        "user_activity_default",
        "user_activity_p2026_07",
        "user_activity_p2026_08",
        "user_activity_p2026_10",
    ]
    # The demo's summary counts the table once, its partitions' rows in it.
    from analytics_pipeline.commands.demo import table_counts

    raw_counts = {t: n for schema, t, n in table_counts() if t.startswith("user_activity")}
    assert raw_counts == {"user_activity": 4}
    # A new partition is readable by the roles that read raw, directly too.
    assert _query(
        "select count(*) from raw.user_activity_p2026_08", role=warehouse.Role.TRANSFORMER
    ) == [(2,)]


def test_rows_in_the_default_partition_move_when_their_month_is_made(empty_database):
    prepare_landing_tables()
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            """insert into raw.user_activity (event_id, user_id, workspace_id, event_type,
                   occurred_at) values ('a', 'u', 'ws', 'login', '2027-03-05T00:00:00Z'),
                   ('b', 'u', 'ws', 'login', '2027-04-05T00:00:00Z')"""
        )
    assert _rows_by_partition("raw.user_activity") == {"raw.user_activity_default": 2}
    with warehouse.connect(warehouse.Role.LOADER) as conn, conn.cursor() as cur:
        cur.execute(
            "select raw.ensure_month_partitions('raw.user_activity', %s::date[])", (["2027-03-01"],)
        )
        assert cur.fetchone() == (1,)
    assert _rows_by_partition("raw.user_activity") == {
        "raw.user_activity_default": 1,
        "raw.user_activity_p2027_03": 1,
    }


def test_an_unpartitioned_table_of_an_older_warehouse_is_converted_keeping_every_row(
    empty_database, tmp_path
):
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute("create schema if not exists raw")
        # The landing table as older versions made it: plain, with its indexes.
        cur.execute(
            """create table raw.user_activity (event_id text, user_id text, workspace_id text,
                   session_id text, event_type text, event_name text, page_path text,
                   ip_address text, user_agent text, referrer text, metadata jsonb,
                   occurred_at timestamptz, _ingested_at timestamptz, _source_file text,
                   _source_line bigint, _batch_id text);
               create index user_activity__batch on raw.user_activity (_batch_id);
               create index user_activity__key on raw.user_activity (event_id);
               insert into raw.user_activity (event_id, user_id, workspace_id, event_type,
                   occurred_at, metadata, _batch_id, _source_line)
               select 'old' || i, 'u', 'ws', 'login',
                      timestamptz '2025-11-20 00:00:00Z' + i * interval '1 day',
                      jsonb_build_object('n', i), 'b0', i
               from generate_series(1, 100) as i"""
        )
        cur.execute(
            "select md5(string_agg(t::text, ',' order by event_id)) from raw.user_activity t"
        )
        before = cur.fetchone()[0]

    prepare_landing_tables()

    assert _query("select relkind from pg_class where oid = 'raw.user_activity'::regclass") == [
        ("p",)
    ]
    after = _query(
        "select md5(string_agg(t::text, ',' order by event_id)) from raw.user_activity t"
    )[0][0]
    assert after == before
    # 2025-11-21 .. 2026-02-28: four months, nothing left in the default.
    assert _rows_by_partition("raw.user_activity") == {
        "raw.user_activity_p2025_11": 10,
        "raw.user_activity_p2025_12": 31,
        "raw.user_activity_p2026_01": 31,
        "raw.user_activity_p2026_02": 28,
    }
    assert _query("select to_regclass('raw.user_activity__unpartitioned')") == [(None,)]
    # It loads as any partitioned table, and the loader and transformer read it.
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps(_event(1, "2026-03-01T00:00:00Z")) + "\n")
    ingest_files("user_activity", [path])
    assert _query("select count(*) from raw.user_activity", role=warehouse.Role.TRANSFORMER) == [
        (101,)
    ]
