"""Run a command that starts a tree of processes (`dagster dev`: webserver,
daemon, code servers, run workers) and stop the whole tree on a signal.

The command runs in a session (process group) of its own, so the terminal's
Ctrl-C reaches only this process, which then:

1. sends SIGINT to the command's whole process group (what Ctrl-C in a
   terminal does to a `dagster dev` started there: each process shuts down
   cleanly);
2. waits up to GRACE_SECONDS for the command and every descendant it started
   to exit;
3. kills (SIGKILL) whatever is left: the process group and every descendant
   seen while it ran (one that left the group included).

SIGINT, SIGTERM and SIGHUP (terminal closed) all stop the tree this way; a
second signal during the wait kills at once. When the command exits on its
own, its leftover descendants are killed too. Runs still in progress are
killed with the tree (the Dagster instance marks them failed).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import psutil

GRACE_SECONDS = 8.0
_POLL_SECONDS = 0.2
# While the command runs, its descendants are listed this often (every N polls).
_REFRESH_EVERY = 5
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _ProcessTree:
    """The descendants of a process, remembered after they are orphaned."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.seen: dict[int, psutil.Process] = {}

    def refresh(self) -> None:
        """Add the current descendants of the root and of the processes seen
        before (orphans included: reparented, they are no longer the root's);
        forget the ones that are gone. One pass over the process table."""
        self.seen = {process.pid: process for process in self.alive()}
        children: dict[int, list[psutil.Process]] = defaultdict(list)
        for process in psutil.process_iter(["ppid"]):
            children[process.info["ppid"]].append(process)
        parents = [self.root_pid, *self.seen]
        while parents:
            for child in children.get(parents.pop(), []):
                if child.pid not in self.seen and child.pid != self.root_pid:
                    self.seen[child.pid] = child
                    parents.append(child.pid)

    def alive(self) -> list[psutil.Process]:
        """Descendants still running (same process: pid and start time; zombies are gone)."""
        running = []
        for process in self.seen.values():
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    running.append(process)
            except psutil.Error:
                pass
        return running

    def kill(self) -> None:
        _signal_group(self.root_pid, signal.SIGKILL)
        for process in self.alive():
            with contextlib.suppress(psutil.Error):
                process.kill()


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def run_until_signalled(
    command: Sequence[str], cwd: Path | None = None, grace: float = GRACE_SECONDS
) -> int:
    """Run `command` until it exits or this process gets SIGINT, SIGTERM or
    SIGHUP; then stop its whole process tree (module docstring). Returns the
    command's exit code, or 0 when it was stopped by a signal."""
    received: list[int] = []

    def on_signal(signum: int, _frame) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in _STOP_SIGNALS}
    try:
        process = subprocess.Popen(list(command), cwd=cwd, start_new_session=True)
    except BaseException:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        raise
    tree = _ProcessTree(process.pid)
    try:
        polls = 0
        while process.poll() is None and not received:
            if polls % _REFRESH_EVERY == 0:
                tree.refresh()
            polls += 1
            time.sleep(_POLL_SECONDS)
        if not received:
            return process.returncode
        tree.refresh()
        _signal_group(process.pid, signal.SIGINT)
        handled = len(received)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and len(received) == handled:
            tree.refresh()
            if process.poll() is not None and not tree.alive():
                break
            time.sleep(_POLL_SECONDS)
        return 0
    finally:
        tree.kill()
        _reap(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _reap(process: subprocess.Popen) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
