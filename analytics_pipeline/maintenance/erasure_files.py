"""Rendered report and dashboard files that hold an erased user's data.

A file is ours until it is delivered: an undelivered file (delivery not
`sent`) that mentions an erased user is withdrawn, its execution marked
failed, so that a new run for that scheduled time may render it again from
the erased data. A delivered file went to its recipients; the erasure cannot call it
back and only records it (README.md, "Erasure").

Text formats (CSV, JSON, HTML) and the XML inside an XLSX are searched for
the user ids. A PDF's text is in compressed streams of subset fonts and
cannot be searched reliably, so an undelivered PDF is withdrawn whenever its
definition names a `user_id` column: it may show one.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from psycopg2.extensions import cursor

from analytics_pipeline.dashboards.control import DASHBOARD_EXECUTIONS
from analytics_pipeline.reports.control import REPORT_EXECUTION_TABLE, ExecutionTable

EXECUTION_TABLES: tuple[ExecutionTable, ...] = (REPORT_EXECUTION_TABLE, DASHBOARD_EXECUTIONS)
# Blocks a file is searched in; ids are far shorter than the overlap.
_CHUNK_BYTES = 8 << 20
_OVERLAP_BYTES = 4096
WITHDRAWN_ERROR = (
    "erasure: the file held data of an erased user and was removed before delivery;"
    " a new run for this scheduled time renders it from the erased data"
)


@dataclass(frozen=True)
class HeldFile:
    """A completed execution's file that holds an erased user's id."""

    table: str
    execution_id: int
    path: Path
    delivered: bool
    user_ids: frozenset[str]

    def as_log(self) -> dict[str, object]:
        return {
            "table": self.table,
            "execution_id": self.execution_id,
            "path": str(self.path),
            "action": "delivered before erasure (not recalled)" if self.delivered else "removed",
        }


def _id_pattern(user_ids: Collection[str]) -> re.Pattern[bytes]:
    # Whole ids only: an id that is the prefix of another must not match it.
    alternatives = b"|".join(re.escape(i.encode()) for i in sorted(user_ids, key=len, reverse=True))
    return re.compile(rb"(?<![0-9A-Za-z_-])(" + alternatives + rb")(?![0-9A-Za-z_-])")


def _texts(path: Path) -> Iterator[tuple[bytes, int]]:
    """(text, where to start searching) pairs covering the file's text."""
    if path.suffix.lower() == ".xlsx":
        with zipfile.ZipFile(path) as book:
            for member in book.namelist():
                if member.endswith(".xml"):
                    yield book.read(member), 0
    else:
        yield from _chunks(path)


def _chunks(path: Path) -> Iterator[tuple[bytes, int]]:
    """The file in blocks (a report can be gigabytes), each after the end of
    the block before it, so an id across a border is whole in one of them.
    The end's first byte only gives the whole-id test its left neighbour."""
    with path.open("rb") as handle:
        tail = b""
        while block := handle.read(_CHUNK_BYTES):
            yield tail + block, min(len(tail), 1)
            tail = block[-_OVERLAP_BYTES:]


def ids_in_file(path: Path, user_ids: Collection[str]) -> frozenset[str]:
    """The ids of `user_ids` that the text of `path` mentions (none for a PDF)."""
    if not user_ids or path.suffix.lower() == ".pdf" or not path.is_file():
        return frozenset()
    pattern = _id_pattern(user_ids)
    return frozenset(
        match.group(1).decode()
        for text, start in _texts(path)
        for match in pattern.finditer(text, start)
    )


def _table_exists(cur: cursor, name: str) -> bool:
    cur.execute("select to_regclass(%s) is not null", (name,))
    return bool(cur.fetchone()[0])


def files_holding(cur: cursor, user_ids: Collection[str]) -> list[HeldFile]:
    """Every completed execution's file that mentions one of `user_ids` (an
    undelivered PDF: that may show user ids)."""
    held: list[HeldFile] = []
    for table in EXECUTION_TABLES:
        if not _table_exists(cur, table.name):
            continue
        cur.execute(
            f"select execution.id, execution.file_path, execution.delivery_status = 'sent',"
            f" to_jsonb(definition)::text like '%user_id%'"
            f" from {table.name} as execution"
            f" inner join {table.definitions_table} as definition"
            f" on definition.id = execution.{table.key_column}"
            " where execution.status = 'completed' order by execution.id"
        )
        for execution_id, file_path, delivered, shows_user_ids in cur.fetchall():
            path = Path(file_path)
            found = ids_in_file(path, user_ids)
            pdf_at_risk = (
                path.suffix.lower() == ".pdf" and shows_user_ids and not delivered and path.exists()
            )
            if found or pdf_at_risk:
                held.append(HeldFile(table.name, execution_id, path, delivered, found))
    return held


def withdraw_executions(cur: cursor, files: Collection[HeldFile]) -> None:
    """Mark the undelivered executions of `files` failed (in the caller's
    transaction); their files are removed once it commits (`remove_files`)."""
    for held in files:
        if held.delivered:
            continue
        cur.execute(
            f"update {held.table} set status = 'failed', error_message = %s,"
            " delivery_status = null, delivered_at = null, delivery_error = null"
            " where id = %s and status = 'completed'",
            (WITHDRAWN_ERROR, held.execution_id),
        )


def remove_files(files: Collection[HeldFile]) -> None:
    for held in files:
        if not held.delivered:
            held.path.unlink(missing_ok=True)


__all__ = [
    "EXECUTION_TABLES",
    "HeldFile",
    "files_holding",
    "ids_in_file",
    "remove_files",
    "withdraw_executions",
]
