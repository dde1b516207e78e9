"""Re-checking rendered report files against their execution records: a file
is OK when its bytes still hash to the sha256 recorded when it was rendered,
CHANGED when they do not (its size said too), MISSING when it is gone or
cannot be read. No database here: the caller reads the executions (of
reports or of dashboards: any `ExecutionTable`'s)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC

from analytics_pipeline.reports.executions import Execution

OK = "OK"
CHANGED = "CHANGED"
MISSING = "MISSING"


@dataclass(frozen=True)
class FileCheck:
    execution: Execution
    status: str  # OK, CHANGED or MISSING
    size: int | None = None  # bytes on disk now (None: missing)
    sha256: str | None = None  # of the bytes on disk now (None: missing)
    reason: str | None = None  # why a file counts as missing, when not simply absent

    @property
    def detail(self) -> str:
        """What differs from the record, in words ("" when OK)."""
        recorded = self.execution
        if self.status == MISSING:
            return self.reason or "no such file"
        if self.status == OK:
            return ""
        parts = []
        if self.size != recorded.file_size:
            parts.append(f"size {self.size} bytes, recorded {recorded.file_size}")
        else:
            parts.append(f"same size ({self.size} bytes)")
        parts.append(f"sha256 {self.sha256[:12]}…, recorded {(recorded.sha256 or '-')[:12]}…")
        return "; ".join(parts)


def check_file(execution: Execution) -> FileCheck:
    """Hash the execution's file (streamed) and compare it with the record."""
    path = execution.file_path
    if path is None or not path.is_file():
        return FileCheck(execution, MISSING)
    try:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        size = path.stat().st_size
    except OSError as error:
        return FileCheck(execution, MISSING, reason=f"unreadable: {error.strerror or error}")
    same = digest == execution.sha256 and size == execution.file_size
    return FileCheck(execution, OK if same else CHANGED, size=size, sha256=digest)


STATUSES = (OK, CHANGED, MISSING)


def verify_files(
    executions: Sequence[Execution], scope: str, say: Callable[[str], None] = print
) -> bool:
    """Check every execution's file and say OK, CHANGED or MISSING for each, then
    a summary (`4 files of any report: 2 OK, 1 CHANGED, 1 MISSING`); `scope`
    says whose files they are (`of report 'x'`). Returns whether every file is
    as recorded (True when there is none)."""
    if not executions:
        say(f"no completed executions {scope}: nothing to verify")
        return True
    checks = [check_file(execution) for execution in executions]
    for check in checks:
        e = check.execution
        line = (
            f"{check.status:8} {e.report_id:32} {e.format:5} "
            f"{e.scheduled_for.astimezone(UTC).isoformat()}  {e.file_path}"
        )
        say(f"{line}  ({check.detail})" if check.detail else line)
    counts = {status: sum(c.status == status for c in checks) for status in STATUSES}
    say(
        f"{len(checks)} file{'' if len(checks) == 1 else 's'} {scope}: "
        + ", ".join(f"{count} {status}" for status, count in counts.items())
    )
    return counts[OK] == len(checks)
