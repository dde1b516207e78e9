"""`analytics-pipeline erasure ...`: erase the deleted users now (or say what
would be erased), and print the erasure log. The erasure itself is
maintenance/erasure.py; a CLI run is recorded in the log like a scheduled one,
under a run id of its own."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from analytics_pipeline.maintenance.erasure import ErasureResult, read_log, run_erasure


def erase_now(dry_run: bool, say: Callable[[str], None] = print) -> ErasureResult:
    """Run the erasure (a dry run rolls back and removes no file) and say per
    table what was, or would be, erased."""
    result = run_erasure(f"cli-{uuid.uuid4().hex[:12]}", dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    if not result.users:
        say("nothing to erase: no deleted user has rows left")
        return result
    for table, rows in result.rows_per_table().items():
        say(f"{table:48} {rows:>8} rows")
    files = sorted({f["path"] for user in result.users for f in user.files})
    for path in files:
        say(f"file  {path}")
    say(f"{verb} {len(result.users)} users ({result.run_id})")
    return result


def print_log(limit: int | None, say: Callable[[str], None] = print) -> None:
    """The log, newest first: one line per erased user, then its tables."""
    rows = read_log(limit)
    if not rows:
        say("the erasure log is empty")
    for row in rows:
        say(
            f"{row['erased_at']:%Y-%m-%d %H:%M:%S%z}  {row['user_pseudonym'][:16]}…  "
            f"deleted {row['deleted_at']:%Y-%m-%d}  run {row['run_id']}  "
            f"dirty days {row['dirty_days']}"
        )
        for kind in ("rows_deleted", "rows_pseudonymized"):
            if row[kind]:
                say(f"    {kind.replace('_', ' ')}: {json.dumps(row[kind], sort_keys=True)}")
        for file in row["files"]:
            say(f"    file {file['action']}: {file['path']}")
