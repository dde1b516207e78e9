"""What a person sees from the long commands: our own progress lines on the
terminal, with a sign of life during long steps; dbt's and Dagster's logs in a
log file whose path is printed."""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

# Off a terminal, a long step prints a line this often (seconds).
HEARTBEAT_SECONDS = 60.0


def quiet_dagster_warnings() -> None:
    """Ignore Dagster's notices about its own API's maturity (beta, preview,
    superseded parameters): they address the code's authors, not its users."""
    import dagster as dg

    for category in (dg.BetaWarning, dg.PreviewWarning, dg.SupersessionWarning):
        warnings.filterwarnings("ignore", category=category)


class Console:
    """A `say` callable: a line to the terminal (and to the log, if any).

    While nothing is said, a background thread shows that the last step is
    still running: on a terminal a status line rewritten every second, else a
    line every HEARTBEAT_SECONDS."""

    def __init__(
        self,
        out: TextIO,
        log: TextIO | None = None,
        heartbeat: float = HEARTBEAT_SECONDS,
        err: TextIO | None = None,
    ):
        self._out = out
        self._err = err or sys.stderr
        self._log = log
        self.log_path: Path | None = None
        self.status = ""  # what the heartbeat says is running
        self._tty = out.isatty()
        self._heartbeat = heartbeat
        self._lock = threading.Lock()
        self._since = time.monotonic()
        self._beats = 0  # heartbeat lines since the last line said
        self._status_shown = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="console", daemon=True)
        self._thread.start()

    def __call__(self, message: str) -> None:
        with self._lock:
            self._clear_status()
            self._out.write(message + "\n")
            self._out.flush()
            if self._log is not None:
                self._log.write(message + "\n")
                self._log.flush()
            self._since = time.monotonic()
            self._beats = 0

    def warn(self, message: str) -> None:
        self(f"warning: {message}")

    def error(self, message: str) -> None:
        """A line to stderr (and the log), in order with the lines said."""
        with self._lock:
            self._clear_status()
            self._out.flush()
            self._err.write(message + "\n")
            self._err.flush()
            if self._log is not None:
                self._log.write(message + "\n")
                self._log.flush()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        with self._lock:
            self._clear_status()

    def _clear_status(self) -> None:
        if self._status_shown:
            self._out.write("\r\033[K")
            self._status_shown = False

    def _tick(self) -> None:
        while not self._stop.wait(min(1.0, self._heartbeat)):
            with self._lock:
                waited = time.monotonic() - self._since
                doing = f"{self.status} " if self.status else ""
                if self._tty:
                    if waited < 1.0:
                        continue
                    self._out.write(f"\r\033[K  ... {doing}{_duration(waited)}")
                    self._status_shown = True
                elif waited >= self._heartbeat * (self._beats + 1):
                    self._beats += 1
                    self._out.write(f"  ... still {doing or 'working '}({_duration(waited)})\n")
                else:
                    continue
                self._out.flush()


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


@contextmanager
def progress() -> Iterator[Console]:
    """A Console on stdout, nothing redirected."""
    console = Console(sys.stdout)
    try:
        yield console
    finally:
        console.close()


def log_path(command: str) -> Path:
    from analytics_pipeline.settings import get_settings

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return get_settings().home / "logs" / f"{command}-{stamp}.log"


@contextmanager
def logged_output(command: str) -> Iterator[Console]:
    """Run a command with everything written to stdout and stderr (dbt's log,
    Dagster's console log, tracebacks of failed steps) going to
    `$ANALYTICS_HOME/logs/<command>-<UTC time>.log`, whose path is said first.
    The Console yielded writes to the terminal and to the log. Warnings other
    than Dagster's API notices are said in one line each (and logged in full)."""
    path = log_path(command)
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    terminal = os.fdopen(os.dup(saved[1]), "w", buffering=1)
    terminal_err = os.fdopen(os.dup(saved[2]), "w", buffering=1)
    log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (closed below)
    for fd in (1, 2):
        os.dup2(log.fileno(), fd)
    # Python-level writers too (a replaced sys.stdout may not write to fd 1).
    streams = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = log
    console = Console(terminal, log, err=terminal_err)
    console.log_path = path
    show_warning = warnings.showwarning

    def warning_line(message, category, filename, lineno, file=None, line=None) -> None:
        log.write(warnings.formatwarning(message, category, filename, lineno, line))
        console.warn(f"{category.__name__}: {' '.join(str(message).split())}")

    warnings.showwarning = warning_line
    console(f"logs (dbt, Dagster): {path}")
    try:
        yield console
    finally:
        warnings.showwarning = show_warning
        console.close()
        log.flush()
        sys.stdout, sys.stderr = streams
        for fd, original in saved.items():
            os.dup2(original, fd)
            os.close(original)
        terminal.close()
        terminal_err.close()
        log.close()
