"""A large valid user_activity file for ingest benchmarks, written chunk by chunk."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import numpy as np

from .activity import EVENT_TYPES, LOGIN, MIDDLE_MIX
from .activity_rows import activity_payloads
from .ids import prefixed_ids, uuids
from .period import DAY_MS, HOUR_MS, Period
from .timestamps import format_ts, pick_styles
from .writers import jsonl_bytes

CHUNK = 100_000
_PERIOD = Period.ending(date(2026, 9, 30), 30)


def write_user_activity_file(path: Path, rows: int, seed: int = 1) -> Path:
    """Write exactly `rows` valid user_activity rows as JSON lines (gzipped when the name
    ends in .gz). Vectorized; one million rows take a few seconds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_users = max(1, min(50_000, rows // 40 + 1))
    n_ws = max(1, n_users // 400)
    user_ids = prefixed_ids(rng, "usr_", n_users)
    ws_ids = prefixed_ids(rng, "ws_", n_ws, width=8)
    user_ws = rng.integers(0, n_ws, n_users).tolist()
    mix = MIDDLE_MIX.copy()
    mix[LOGIN] = 0.05
    with open(path, "wb") as raw:
        out = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
            if path.suffix == ".gz"
            else raw
        )
        try:
            for start in range(0, rows, CHUNK):
                n = min(CHUNK, rows - start)
                n_sessions = max(1, n // 8)
                session_user = rng.integers(0, n_users, n_sessions)
                session_start = _PERIOD.start_ms + rng.integers(
                    0, _PERIOD.days * DAY_MS - HOUR_MS, n_sessions
                )
                session = np.sort(rng.integers(0, n_sessions, n))
                users = session_user[session]
                ms = session_start[session] + rng.integers(0, HOUR_MS, n)
                session_uuid = uuids(rng, n_sessions)
                no_id = rng.random(n_sessions) < 0.2
                payloads = activity_payloads(
                    rng,
                    event_ids=uuids(rng, n),
                    user_ids=[user_ids[u] for u in users.tolist()],
                    workspace_ids=[ws_ids[user_ws[u]] for u in users.tolist()],
                    session_ids=[None if no_id[s] else session_uuid[s] for s in session.tolist()],
                    occurred_at=format_ts(ms, pick_styles(rng, n)),
                    event_type=rng.choice(len(EVENT_TYPES), size=n, p=mix / mix.sum()),
                    first_in_session=np.r_[True, session[1:] != session[:-1]],
                    user_idx=users,
                    n_users=n_users,
                    session_idx=session,
                    n_sessions=n_sessions,
                )
                out.write(jsonl_bytes(payloads))
        finally:
            if out is not raw:
                out.close()
    return path
