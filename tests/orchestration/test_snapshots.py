"""dbt snapshots keep every version seen, with validity ranges: a user's role
change and a workspace's status change arriving in a later file."""

from __future__ import annotations

import datetime as dt
import json

from analytics_pipeline import warehouse
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.ingest import ingest_files

UTC = dt.UTC


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _query(sql):
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_snapshots_keep_both_versions_with_validity(empty_database, tmp_path):
    workspace = {
        "workspace_id": "w1",
        "name": "Acme",
        "subscription_tier": "pro",
        "subscription_status": "TRIAL",
        "created_at": "2026-08-01T00:00:00Z",
        "updated_at": "2026-08-01T00:00:00Z",
    }
    user = {
        "user_id": "u1",
        "workspace_id": "w1",
        "role": "MEMBER",
        "created_at": "2026-08-01T09:00:00Z",
        "updated_at": "2026-08-01T09:00:00Z",
    }
    ingest_files("workspaces", [_write(tmp_path / "w1.jsonl", [workspace])])
    ingest_files("users", [_write(tmp_path / "u1.jsonl", [user])])
    # The type-2 snapshots of the entities (not topic_mastery_history, nor the
    # partitioned data snapshots of the same group).
    selection = "group:staging or key:snapshots/*_snapshot"
    assert materialize(selection, log_level="WARNING").success

    ingest_files(
        "workspaces",
        [
            _write(
                tmp_path / "w2.jsonl",
                [
                    workspace
                    | {"subscription_status": "ACTIVE", "updated_at": "2026-08-15T12:00:00Z"}
                ],
            )
        ],
    )
    ingest_files(
        "users",
        [
            _write(
                tmp_path / "u2.jsonl",
                [user | {"role": "MANAGER", "updated_at": "2026-08-20T08:30:00Z"}],
            )
        ],
    )
    assert materialize(selection, log_level="WARNING").success

    users = _query(
        "select role, dbt_valid_from, dbt_valid_to from snapshots.users_snapshot "
        "order by dbt_valid_from"
    )
    assert users == [
        (
            "MEMBER",
            dt.datetime(2026, 8, 1, 9, tzinfo=UTC),
            dt.datetime(2026, 8, 20, 8, 30, tzinfo=UTC),
        ),
        ("MANAGER", dt.datetime(2026, 8, 20, 8, 30, tzinfo=UTC), None),
    ]
    workspaces = _query(
        "select subscription_status, dbt_valid_from, dbt_valid_to "
        "from snapshots.workspaces_snapshot order by dbt_valid_from"
    )
    assert workspaces == [
        ("TRIAL", dt.datetime(2026, 8, 1, tzinfo=UTC), dt.datetime(2026, 8, 15, 12, tzinfo=UTC)),
        ("ACTIVE", dt.datetime(2026, 8, 15, 12, tzinfo=UTC), None),
    ]
