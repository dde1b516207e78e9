"""COPY FROM STDIN that reports the server's error when the connection is lost.

When a COPY FROM loses its connection, psycopg2 2.9 prints the server's error
(e.g. AdminShutdown: "terminating connection due to administrator command")
to stderr with PyErr_Print, chained to a SystemError, and raises only an
"invalid socket" OperationalError. While a COPY runs, the thread running it
collects what psycopg2 prints instead, so the real cause is raised and stderr
stays clean.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import psycopg2
import psycopg2.extensions


def copy_from_stdin(cursor: psycopg2.extensions.cursor, statement: str, data: IO) -> None:
    """`cursor.copy_expert(statement, data)`, raising the server's own error
    (not psycopg2's "invalid socket") when the connection is lost."""
    with _driver_reports() as reports:
        try:
            cursor.copy_expert(statement, data)
        except psycopg2.Error as exc:
            server_error = next(filter(None, (_psycopg2_cause(r[1]) for r in reports)), None)
            if server_error is None:
                raise
            raise server_error from exc


_reports = threading.local()
_hook_lock = threading.Lock()
_hook_users = 0
_saved_excepthook = sys.excepthook


def _collecting_excepthook(exc_type, exc, tb) -> None:
    sink = getattr(_reports, "sink", None)
    if sink is None:  # printed by another thread: print it as before
        _saved_excepthook(exc_type, exc, tb)
    else:
        sink.append((exc_type, exc, tb))


def _psycopg2_cause(exc: BaseException | None) -> psycopg2.Error | None:
    """The first psycopg2 error in an exception's chain of causes."""
    while exc is not None and not isinstance(exc, psycopg2.Error):
        exc = exc.__cause__ or exc.__context__
    return exc


@contextmanager
def _driver_reports() -> Iterator[list[tuple]]:
    """What psycopg2 prints in this thread within the block, as (type, value,
    traceback), collected instead of printed; printed after all if the block
    succeeds, so nothing is hidden."""
    global _hook_users, _saved_excepthook
    collected: list[tuple] = []
    with _hook_lock:
        if _hook_users == 0:
            _saved_excepthook = sys.excepthook
            sys.excepthook = _collecting_excepthook
        _hook_users += 1
    _reports.sink = collected
    succeeded = False
    try:
        yield collected
        succeeded = True
    finally:
        _reports.sink = None
        with _hook_lock:
            _hook_users -= 1
            if _hook_users == 0 and sys.excepthook is _collecting_excepthook:
                sys.excepthook = _saved_excepthook
        if succeeded:
            for report in collected:
                _saved_excepthook(*report)
