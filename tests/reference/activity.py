"""Reference computations of the activity, session and agent-run tables of
docs/tables.md (definitions: shared/METRICS.md), as pure functions over the
deduplicated source frames of `raw_files.load_dataset`.

Conventions:
- `prepare(data, as_of)` drops deleted users' events and runs and everything with
  an event time at or after the end of the as-of date; every table function takes
  its result.
- Days are `datetime.date`, hours tz-aware UTC `pd.Timestamp`s.
- A null number is NaN; a ratio with a zero denominator is null.
- All-workspaces rows (`workspace_id` None) come from the rows themselves: frames
  are duplicated under a sentinel workspace before grouping, never combined from
  per-workspace results.
- Each table function returns exactly the columns of docs/tables.md, sorted by the
  table's grain (nulls, i.e. all-workspaces rows, first).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import reduce

import numpy as np
import pandas as pd

ALL = "\x00all-workspaces"  # sentinel of the all-workspaces rows while computing
SESSION_GAP = pd.Timedelta(minutes=30)  # a gap of MORE than this starts a new session
FINISHED = ("completed", "failed", "cancelled")
RETENTION_DAYS = (1, 7, 14, 30)
WINDOW_DAYS = 30
TOP_AGENTS = 10


# -- small helpers -----------------------------------------------------------------------


def percentile_cont(values: Iterable[float], q: float) -> float:
    """PostgreSQL percentile_cont(q): linear interpolation; NaN (null) for no values."""
    array = np.asarray([v for v in values if v is not None and not pd.isna(v)], dtype=float)
    if array.size == 0:
        return float("nan")
    return float(np.percentile(array, q * 100.0, method="linear"))


def ratio(numerator, denominator) -> float:
    """numerator / denominator; NaN (null) when the denominator is 0 or either is null."""
    if denominator is None or pd.isna(denominator) or denominator == 0:
        return float("nan")
    if numerator is None or pd.isna(numerator):
        return float("nan")
    return float(numerator) / float(denominator)


def change_percentage(value, previous) -> float:
    """(value - previous) / previous * 100; null when previous is null or 0, or value null."""
    if previous is None or pd.isna(previous) or previous == 0:
        return float("nan")
    if value is None or pd.isna(value):
        return float("nan")
    return (float(value) - float(previous)) / float(previous) * 100.0


def day_of(ts: pd.Series) -> pd.Series:
    """UTC calendar day (datetime.date) of tz-aware timestamps."""
    return ts.dt.tz_convert("UTC").dt.date.astype(object)


def hour_of(ts: pd.Series) -> pd.Series:
    """UTC hour bucket (tz-aware timestamp) of tz-aware timestamps."""
    return ts.dt.tz_convert("UTC").dt.floor("h")


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def end_of(as_of: date) -> pd.Timestamp:
    """Exclusive end of a day: D + 1 day, 00:00 UTC."""
    return pd.Timestamp(as_of + timedelta(days=1)).tz_localize("UTC")


def day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


def with_all(frame: pd.DataFrame, column: str = "workspace_id") -> pd.DataFrame:
    """The rows once per workspace and once more under the all-workspaces sentinel."""
    return pd.concat([frame, frame.assign(**{column: ALL})], ignore_index=True)


def finish(frame: pd.DataFrame, columns: Sequence[str], grain: Sequence[str]) -> pd.DataFrame:
    """Sentinel -> None, exactly `columns`, sorted by `grain` (nulls first)."""
    frame = frame.copy()
    if "workspace_id" in frame:
        ws = frame["workspace_id"].astype(object)
        frame["workspace_id"] = ws.where(ws != ALL, None)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.StringDtype):  # text: None for null
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)
    frame = frame.sort_values(list(grain), na_position="first", kind="stable")
    return frame[list(columns)].reset_index(drop=True)


def json_counts(values: Iterable) -> dict[str, int]:
    """{value: count} with str keys, sorted by key."""
    counts: dict[str, int] = {}
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items()))


def _unknown(value) -> str:
    return "unknown" if value is None or pd.isna(value) else str(value)


def _metadata_value(meta, key: str, kind):
    """A typed key of a metadata dict: None when absent, null or of another JSON type."""
    if not isinstance(meta, dict):
        return None
    value = meta.get(key)
    if value is None or isinstance(value, bool) != (kind is bool):
        return None
    return value if isinstance(value, kind) else None


# -- inputs ------------------------------------------------------------------------------


@dataclass
class Inputs:
    """Source frames as of a date: deleted users and later rows removed; events and runs
    carry `metric_date` / `metric_hour` of their event time, sessions are derived."""

    as_of: date
    users: pd.DataFrame  # newest versions of users that are not deleted
    deleted_users: frozenset[str]
    events: pd.DataFrame  # user_activity
    runs: pd.DataFrame  # agent_runs, newest version of each run
    sessions: pd.DataFrame  # see `sessionize`
    agents: pd.DataFrame
    workspaces: pd.DataFrame

    @property
    def end(self) -> pd.Timestamp:
        return end_of(self.as_of)

    def as_of_view(self, day: date) -> Inputs:
        """The same inputs as of an earlier `day` (rows before the end of that day).
        Sessions are kept by start: a session's start never depends on later events."""
        end = end_of(day)
        return replace(
            self,
            as_of=day,
            events=self.events[self.events["occurred_at"] < end],
            runs=self.runs[self.runs["started_at"] < end],
            sessions=self.sessions[self.sessions["started_at"] < end],
        )


def prepare(data: Mapping[str, pd.DataFrame], as_of: date) -> Inputs:
    """Inputs of every table as of `as_of`, from `load_dataset` frames."""
    end = end_of(as_of)
    users = data["users"]
    deleted = frozenset(users.loc[users["deleted_at"].notna(), "user_id"])
    kept_users = users[users["deleted_at"].isna()].reset_index(drop=True)

    events = data["user_activity"]
    events = events[~events["user_id"].isin(deleted) & (events["occurred_at"] < end)].copy()
    events["metric_date"] = day_of(events["occurred_at"])
    events["metric_hour"] = hour_of(events["occurred_at"])
    meta = events["metadata"]
    events["feature"] = meta.map(lambda m: _metadata_value(m, "feature", str)).astype(object)
    events["duration_ms"] = pd.to_numeric(
        meta.map(lambda m: _metadata_value(m, "duration_ms", (int, float))), errors="coerce"
    ).astype(float)
    events["meta_error_type"] = meta.map(lambda m: _metadata_value(m, "error_type", str)).astype(
        object
    )
    events = events.reset_index(drop=True)

    runs = data["agent_runs"]
    runs = runs[~runs["user_id"].isin(deleted) & (runs["started_at"] < end)].copy()
    runs["metric_date"] = day_of(runs["started_at"])
    runs["metric_hour"] = hour_of(runs["started_at"])
    runs = runs.reset_index(drop=True)

    return Inputs(
        as_of=as_of,
        users=kept_users,
        deleted_users=deleted,
        events=events,
        runs=runs,
        sessions=sessionize(events),
        agents=data["agents"],
        workspaces=data["workspaces"],
    )


# -- sessions ----------------------------------------------------------------------------

SESSION_COLUMNS = [
    "user_id", "workspace_id", "session_id", "is_derived", "started_at", "ended_at",
    "session_date", "duration_seconds", "event_count", "is_bounce",
]  # fmt: skip


def derived_session_id(user_id: str, first_event_id: str) -> str:
    """'derived-' || md5(user_id || '|' || first event_id)."""
    return "derived-" + hashlib.md5(f"{user_id}|{first_event_id}".encode()).hexdigest()


def sessionize(events: pd.DataFrame) -> pd.DataFrame:
    """One row per session: events with a session_id belong to (user_id, workspace_id,
    session_id); events without one are sessionized per (user_id, workspace_id): a new
    session at the first event and after every gap of more than 30 minutes."""
    if events.empty:
        return pd.DataFrame(columns=[*SESSION_COLUMNS, "metric_hour"])
    ordered = events.sort_values(["occurred_at", "event_id"], kind="stable")
    given = ordered[ordered["session_id"].notna()].assign(is_derived=False)
    loose = ordered[ordered["session_id"].isna()].sort_values(
        ["user_id", "workspace_id", "occurred_at", "event_id"], kind="stable"
    )
    owner = [loose["user_id"], loose["workspace_id"]]
    gap = loose.groupby(owner, sort=False)["occurred_at"].diff()
    starts = gap.isna() | (gap > SESSION_GAP)
    number = starts.astype("int64").groupby(owner, sort=False).cumsum()
    loose = loose.assign(_n=number, is_derived=True)
    first_ids = loose[starts].set_index(["user_id", "workspace_id", "_n"])["event_id"]
    loose["session_id"] = [
        derived_session_id(u, first_ids[(u, w, n)])
        for u, w, n in zip(loose["user_id"], loose["workspace_id"], loose["_n"], strict=True)
    ]
    tagged = pd.concat([given, loose.drop(columns="_n")], ignore_index=True)
    out = (
        tagged.groupby(["user_id", "workspace_id", "session_id"], sort=True)
        .agg(
            is_derived=("is_derived", "first"),
            started_at=("occurred_at", "min"),
            ended_at=("occurred_at", "max"),
            event_count=("event_id", "size"),
        )
        .reset_index()
    )
    out["session_date"] = day_of(out["started_at"])
    out["metric_hour"] = hour_of(out["started_at"])
    out["duration_seconds"] = (out["ended_at"] - out["started_at"]).dt.total_seconds()
    out["event_count"] = out["event_count"].astype("int64")
    out["is_bounce"] = out["event_count"] == 1
    return out[[*SESSION_COLUMNS, "metric_hour"]]


def int_sessions(inp: Inputs) -> pd.DataFrame:
    """intermediate.int_sessions without session_key."""
    return finish(inp.sessions, SESSION_COLUMNS, ["workspace_id", "user_id", "session_id"])


# -- activity ----------------------------------------------------------------------------


def activity_days(inp: Inputs) -> pd.DataFrame:
    """(workspace_id, user_id, metric_date, events, agent_runs) for each day a user was
    active in a workspace: a user_activity event or an agent run started that day."""
    keys = ["workspace_id", "user_id", "metric_date"]
    events = inp.events.groupby(keys).size().rename("events")
    runs = inp.runs.groupby(keys).size().rename("agent_runs")
    out = pd.concat([events, runs], axis=1).fillna(0).astype("int64")
    out.index.names = keys
    return out.reset_index()


def int_user_activity_days(inp: Inputs) -> pd.DataFrame:
    out = activity_days(inp).rename(columns={"metric_date": "activity_date"})
    columns = ["user_id", "workspace_id", "activity_date", "events", "agent_runs"]
    return finish(out, columns, ["user_id", "workspace_id", "activity_date"])


def first_days(active: pd.DataFrame) -> pd.DataFrame:
    """(workspace_id, user_id, first_day) from activity rows (of any workspace grouping)."""
    return (
        active.groupby(["workspace_id", "user_id"], as_index=False)["metric_date"]
        .min()
        .rename(columns={"metric_date": "first_day"})
    )


def int_user_first_activity(inp: Inputs) -> pd.DataFrame:
    out = first_days(activity_days(inp)).rename(columns={"first_day": "first_activity_date"})
    columns = ["user_id", "workspace_id", "first_activity_date"]
    return finish(out, columns, ["user_id", "workspace_id"])


def dense_days(active: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """(workspace_id, metric_date): every day from each workspace's first active day
    to the as-of date (`active` already holds the all-workspaces sentinel rows)."""
    rows = [
        (w, d)
        for w, start in active.groupby("workspace_id")["metric_date"].min().items()
        for d in day_range(start, as_of)
    ]
    return pd.DataFrame(rows, columns=["workspace_id", "metric_date"])


def total_users(inp: Inputs, spine: pd.DataFrame) -> list[int]:
    """Non-deleted users of the workspace (all users for the sentinel) created before
    the end of each spine day."""
    created = inp.users[["workspace_id", "created_at"]]
    result = []
    for w, d in zip(spine["workspace_id"], spine["metric_date"], strict=True):
        mine = created if w == ALL else created[created["workspace_id"] == w]
        result.append(int((mine["created_at"] < end_of(d)).sum()))
    return result


# -- bucket metrics ----------------------------------------------------------------------


def _join(parts: list[pd.DataFrame | pd.Series], keys: Sequence[str]) -> pd.DataFrame:
    """Outer join of per-bucket Series / frames on their (keys) index; every part's
    column is present even when the part is empty."""
    frames = [p.to_frame() if isinstance(p, pd.Series) else p for p in parts]
    names = [c for f in frames for c in f.columns]
    frames = [f for f in frames if len(f)]
    if frames:
        out = reduce(lambda a, b: a.join(b, how="outer"), frames)
        out.index.names = list(keys)
    else:
        out = pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=list(keys)))
    for name in names:
        if name not in out:
            out[name] = np.nan
    return out


def _percentile(frame: pd.DataFrame, keys: Sequence[str], column: str, q: float, name: str):
    """percentile_cont(q) of `column` per bucket (pandas' linear quantile, nulls skipped)."""
    if frame.empty:
        return pd.Series(dtype=float, name=name)
    values = frame[list(keys)].assign(_v=frame[column].astype(float))
    return values.groupby(list(keys))["_v"].quantile(q).rename(name)


COUNT_COLUMNS = (
    "active_users", "events", "page_views", "error_events", "api_calls", "sessions",
    "bounces", "total_runs", "successful_runs", "failed_runs", "cancelled_runs",
    "running_runs", "unique_agents", "unique_run_users", "rating_count", "feature_uses",
)  # fmt: skip


def bucket_metrics(
    events: pd.DataFrame,
    runs: pd.DataFrame,
    sessions: pd.DataFrame,
    keys: Sequence[str],
) -> pd.DataFrame:
    """Every per-bucket metric, one row per bucket of `keys` present in the events, runs
    or sessions (the frames carry the key columns). Counts and sums 0, ratios and
    statistics null where nothing happened."""
    keys = list(keys)
    ev = events.assign(
        _pv=events["event_type"] == "page_view",
        _err=events["event_type"] == "error",
        _api=events["event_type"] == "api_call",
        _feat=events["event_type"] == "feature_use",
    )
    g = ev.groupby(keys)
    parts: list = [
        g.size().rename("events"),
        g["_pv"].sum().rename("page_views"),
        g["_err"].sum().rename("error_events"),
        g["_api"].sum().rename("api_calls"),
        g["_feat"].sum().rename("feature_uses"),
    ]
    latency = ev[ev["_api"] & ev["duration_ms"].notna()]
    parts.append(_percentile(latency, keys, "duration_ms", 0.95, "api_latency_p95_ms"))
    who = list(dict.fromkeys([*keys, "user_id"]))
    active = pd.concat([events[who], runs[who]]).assign(_user=lambda f: f["user_id"])
    parts.append(active.groupby(keys)["_user"].nunique().rename("active_users"))

    sg = sessions.groupby(keys)
    parts += [
        sg.size().rename("sessions"),
        sg["is_bounce"].sum().rename("bounces"),
        sg["duration_seconds"].mean().rename("avg_session_duration_seconds"),
        sg["duration_seconds"].sum().rename("session_seconds"),
    ]

    status = runs["status"]
    rn = runs.assign(
        _ok=status == "completed",
        _failed=status == "failed",
        _cancelled=status == "cancelled",
        _running=status == "running",
        _credits=runs["credits_consumed"].fillna(0.0),
        _tokens=runs["tokens_used"].fillna(0).astype("int64"),
        _model=runs["model"].map(_unknown),
    )
    rg = rn.groupby(keys)
    parts += [
        rg.size().rename("total_runs"),
        rg["_ok"].sum().rename("successful_runs"),
        rg["_failed"].sum().rename("failed_runs"),
        rg["_cancelled"].sum().rename("cancelled_runs"),
        rg["_running"].sum().rename("running_runs"),
        rg["_credits"].sum().rename("credits_consumed"),
        rg["_tokens"].sum().rename("tokens_used"),
        rg["agent_id"].nunique().rename("unique_agents"),
        rg["user_id"].nunique().rename("unique_run_users"),
        rg["user_rating"].count().rename("rating_count"),
        rn[keys]
        .assign(_rating=rn["user_rating"].astype(float))
        .groupby(keys)["_rating"]
        .mean()
        .rename("avg_user_rating"),
    ]
    finished = rn[rn["status"].isin(FINISHED) & rn["runtime_seconds"].notna()]
    fg = finished.groupby(keys)["runtime_seconds"]
    parts += [
        fg.mean().rename("avg_runtime_seconds"),
        fg.min().rename("min_runtime_seconds"),
        fg.max().rename("max_runtime_seconds"),
    ]
    for q in (50, 75, 95, 99):
        parts.append(
            _percentile(finished, keys, "runtime_seconds", q / 100, f"p{q}_runtime_seconds")
        )
    by_model = rn.groupby([*keys, "_model"])["_credits"].sum()
    parts.append(_nested_dict(by_model, keys, "credits_by_model"))

    typed = pd.concat(
        [
            rn.loc[rn["_failed"], keys].assign(_type=rn.loc[rn["_failed"], "error_type"]),
            ev.loc[ev["_err"], keys].assign(_type=ev.loc[ev["_err"], "meta_error_type"]),
        ],
        ignore_index=True,
    )
    typed["_type"] = typed["_type"].map(_unknown)
    parts.append(_nested_dict(typed.groupby([*keys, "_type"]).size(), keys, "errors_by_type"))
    run_types = rn.loc[rn["_failed"], keys].assign(
        _type=rn.loc[rn["_failed"], "error_type"].map(_unknown)
    )
    parts.append(
        _nested_dict(run_types.groupby([*keys, "_type"]).size(), keys, "run_errors_by_type")
    )

    out = _join(parts, keys)
    for column in COUNT_COLUMNS:
        out[column] = out[column].fillna(0).astype("int64") if column in out else 0
    for column in ("credits_consumed", "session_seconds"):
        out[column] = out[column].fillna(0.0).astype(float) if column in out else 0.0
    out["tokens_used"] = out["tokens_used"].fillna(0).astype("int64") if "tokens_used" in out else 0
    for column in (
        "api_latency_p95_ms", "avg_session_duration_seconds", "avg_user_rating",
        "avg_runtime_seconds", "min_runtime_seconds", "max_runtime_seconds",
        "p50_runtime_seconds", "p75_runtime_seconds", "p95_runtime_seconds",
        "p99_runtime_seconds",
    ):  # fmt: skip
        out[column] = out[column].astype(float) if column in out else np.nan
    for column in ("credits_by_model", "errors_by_type", "run_errors_by_type"):
        values = out[column] if column in out else pd.Series(index=out.index, dtype=object)
        out[column] = [v if isinstance(v, dict) else {} for v in values]
    return derive_ratios(out.reset_index())


def derive_ratios(out: pd.DataFrame) -> pd.DataFrame:
    """Ratios from the summed numerators and denominators of a bucket frame."""
    out = out.copy()
    finished = out["successful_runs"] + out["failed_runs"] + out["cancelled_runs"]
    out["success_rate"] = [
        ratio(a, b) for a, b in zip(out["successful_runs"], finished, strict=True)
    ]
    out["bounce_rate"] = [ratio(a, b) for a, b in zip(out["bounces"], out["sessions"], strict=True)]
    errors = out["failed_runs"] + out["error_events"]
    volume = out["total_runs"] + out["events"]
    out["error_rate"] = [ratio(a, b) for a, b in zip(errors, volume, strict=True)]
    return out


def _nested_dict(series: pd.Series, keys: Sequence[str], name: str) -> pd.Series:
    """A (keys..., inner) Series -> one {inner: value} dict per key, sorted by inner."""
    if series.empty:
        return pd.Series(dtype=object, name=name)
    data: dict[tuple, dict] = {}
    for index, value in series.items():
        *outer, inner = index
        value = value.item() if hasattr(value, "item") else value
        data.setdefault(tuple(outer), {})[str(inner)] = value
    index = pd.MultiIndex.from_tuples(list(data), names=list(keys))
    if len(keys) == 1:
        index = pd.Index([k[0] for k in data], name=keys[0])
    return pd.Series([dict(sorted(v.items())) for v in data.values()], index=index, name=name)


def _fill_spine(spine: pd.DataFrame, metrics: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Metrics on every spine row: zeros, {} and nulls where nothing happened."""
    out = spine.merge(metrics, on=list(keys), how="left")
    for column in COUNT_COLUMNS + ("tokens_used",):
        if column in out:
            out[column] = out[column].fillna(0).astype("int64")
    for column in ("credits_consumed", "session_seconds"):
        out[column] = out[column].fillna(0.0).astype(float)
    for column in ("credits_by_model", "errors_by_type", "run_errors_by_type"):
        out[column] = [v if isinstance(v, dict) else {} for v in out[column]]
    return derive_ratios(out)


# -- published tables: daily and hourly --------------------------------------------------

HOURLY_METRICS = [
    "metric_hour", "metric_date", "workspace_id", "active_users", "events", "page_views",
    "sessions_started", "total_runs", "successful_runs", "failed_runs", "cancelled_runs",
    "credits_consumed", "error_events", "api_calls", "api_latency_p95_ms",
]  # fmt: skip

DAILY_METRICS = [
    "metric_date", "workspace_id", "dau", "new_users", "returning_users", "total_users",
    "events", "page_views", "sessions", "avg_session_duration_seconds", "bounce_rate",
    "total_runs", "successful_runs", "failed_runs", "cancelled_runs", "running_runs",
    "success_rate", "avg_runtime_seconds", "p50_runtime_seconds", "p95_runtime_seconds",
    "p99_runtime_seconds", "credits_consumed", "credits_by_model", "unique_agents",
    "error_events", "error_rate", "errors_by_type", "api_calls", "api_latency_p95_ms",
]  # fmt: skip

ACTIVE_USERS = [
    "metric_date", "workspace_id", "dau", "wau", "mau", "stickiness", "new_users",
    "returning_users", "total_users",
]  # fmt: skip


def hourly_metrics(inp: Inputs) -> pd.DataFrame:
    """analytics.hourly_metrics: hours with an event or run, per workspace and overall."""
    keys = ["workspace_id", "metric_hour"]
    out = bucket_metrics(with_all(inp.events), with_all(inp.runs), with_all(inp.sessions), keys)
    present = pd.concat([with_all(inp.events)[keys], with_all(inp.runs)[keys]]).drop_duplicates()
    if present.empty:
        return pd.DataFrame(columns=HOURLY_METRICS)
    out = present.merge(out, on=keys, how="left")
    out["metric_date"] = day_of(out["metric_hour"])
    out = out.rename(columns={"sessions": "sessions_started"})
    return finish(out, HOURLY_METRICS, ["metric_hour", "workspace_id"])


def _user_day_counts(active: pd.DataFrame, spine: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """dau, wau, mau, new_users, returning_users per (workspace_id, metric_date) of the
    spine, from activity rows (sentinel rows included)."""
    keys = ["workspace_id", "metric_date"]
    base = active[["workspace_id", "user_id", "metric_date"]].drop_duplicates()
    shifted = []
    for lag in range(30):
        moved = base.assign(metric_date=[d + timedelta(days=lag) for d in base["metric_date"]])
        shifted.append(moved[moved["metric_date"] <= as_of].assign(lag=lag))
    window = pd.concat(shifted, ignore_index=True)
    first = first_days(base)
    marked = base.merge(first, on=["workspace_id", "user_id"])
    counts = _join(
        [
            window[window["lag"] == 0].groupby(keys)["user_id"].nunique().rename("dau"),
            window[window["lag"] <= 6].groupby(keys)["user_id"].nunique().rename("wau"),
            window.groupby(keys)["user_id"].nunique().rename("mau"),
            marked[marked["metric_date"] == marked["first_day"]]
            .groupby(keys)
            .size()
            .rename("new_users"),
            marked[marked["metric_date"] > marked["first_day"]]
            .groupby(keys)
            .size()
            .rename("returning_users"),
        ],
        keys,
    ).reset_index()
    out = spine.merge(counts, on=keys, how="left")
    for column in ("dau", "wau", "mau", "new_users", "returning_users"):
        out[column] = out[column].fillna(0).astype("int64")
    out["stickiness"] = [ratio(a, m) for a, m in zip(out["dau"], out["mau"], strict=True)]
    return out


def daily_metrics(inp: Inputs) -> pd.DataFrame:
    """analytics.daily_metrics: dense days per workspace and overall."""
    keys = ["workspace_id", "metric_date"]
    active = with_all(activity_days(inp))
    spine = dense_days(active, inp.as_of)
    sessions = with_all(inp.sessions).rename(columns={"session_date": "metric_date"})
    metrics = bucket_metrics(with_all(inp.events), with_all(inp.runs), sessions, keys)
    out = _fill_spine(spine, metrics, keys)
    users = _user_day_counts(active, spine, inp.as_of)
    out = out.drop(columns=["active_users"]).merge(users, on=keys, how="left")
    out["total_users"] = total_users(inp, out)
    return finish(out, DAILY_METRICS, ["metric_date", "workspace_id"])


def active_users(inp: Inputs) -> pd.DataFrame:
    """analytics.active_users: dense days per workspace and overall."""
    active = with_all(activity_days(inp))
    spine = dense_days(active, inp.as_of)
    out = _user_day_counts(active, spine, inp.as_of)
    out["total_users"] = total_users(inp, out)
    return finish(out, ACTIVE_USERS, ["metric_date", "workspace_id"])


# -- published tables: agents, features, users -------------------------------------------

AGENT_PERFORMANCE = [
    "metric_date", "workspace_id", "agent_id", "agent_name", "total_runs", "successful_runs",
    "failed_runs", "cancelled_runs", "running_runs", "success_rate", "avg_runtime_seconds",
    "min_runtime_seconds", "max_runtime_seconds", "p50_runtime_seconds", "p75_runtime_seconds",
    "p95_runtime_seconds", "p99_runtime_seconds", "credits_consumed", "tokens_used",
    "unique_users", "avg_user_rating", "errors_by_type",
]  # fmt: skip


def agent_names(inp: Inputs) -> dict[str, str]:
    return dict(zip(inp.agents["agent_id"], inp.agents["name"], strict=True))


def agent_performance(inp: Inputs) -> pd.DataFrame:
    """analytics.agent_performance: (metric_date, workspace_id, agent_id) with runs."""
    keys = ["metric_date", "workspace_id", "agent_id"]
    no_events = inp.events.iloc[0:0].assign(agent_id=pd.Series(dtype=object))
    no_sessions = inp.sessions.iloc[0:0].assign(
        agent_id=pd.Series(dtype=object), metric_date=pd.Series(dtype=object)
    )
    out = bucket_metrics(no_events, inp.runs, no_sessions, keys)
    names = agent_names(inp)
    out["agent_name"] = [names.get(a) for a in out["agent_id"]]
    out = out.rename(columns={"unique_run_users": "unique_users"})
    out["errors_by_type"] = out["run_errors_by_type"]
    return finish(out, AGENT_PERFORMANCE, keys)


FEATURE_UTILIZATION = [
    "metric_date", "workspace_id", "feature", "usage_count", "unique_users", "hourly_usage",
]  # fmt: skip


def feature_utilization(inp: Inputs) -> pd.DataFrame:
    """analytics.feature_utilization: (metric_date, workspace_id, feature) with uses."""
    uses = inp.events[inp.events["event_type"] == "feature_use"]
    uses = uses.assign(feature=uses["feature"].map(_unknown))
    rows = []
    for (d, w, f), group in uses.groupby(["metric_date", "workspace_id", "feature"]):
        hours = dict.fromkeys((str(h) for h in range(24)), 0)
        for hour in group["metric_hour"]:
            hours[str(hour.hour)] += 1
        rows.append(
            {
                "metric_date": d,
                "workspace_id": w,
                "feature": f,
                "usage_count": len(group),
                "unique_users": int(group["user_id"].nunique()),
                "hourly_usage": hours,
            }
        )
    out = pd.DataFrame(rows, columns=FEATURE_UTILIZATION)
    return finish(out, FEATURE_UTILIZATION, ["metric_date", "workspace_id", "feature"])


USER_ENGAGEMENT = [
    "metric_date", "workspace_id", "user_id", "events", "sessions", "session_seconds",
    "page_views", "feature_uses", "distinct_features", "agent_runs", "credits_consumed",
    "error_events", "first_event_at", "last_event_at",
]  # fmt: skip


def user_engagement_metrics(inp: Inputs) -> pd.DataFrame:
    """analytics.user_engagement_metrics: (metric_date, workspace_id, user_id) active."""
    keys = ["metric_date", "workspace_id", "user_id"]
    sessions = inp.sessions.rename(columns={"session_date": "metric_date"})
    out = bucket_metrics(inp.events, inp.runs, sessions, keys)
    active = activity_days(inp)[keys]
    out = active.merge(out, on=keys, how="left")
    features = inp.events[
        (inp.events["event_type"] == "feature_use") & inp.events["feature"].notna()
    ]
    event_times = inp.events.groupby(keys)["occurred_at"]
    extra = _join(
        [
            features.groupby(keys)["feature"].nunique().rename("distinct_features"),
            event_times.min().rename("first_event_at"),
            event_times.max().rename("last_event_at"),
        ],
        keys,
    ).reset_index()
    out = out.merge(extra, on=keys, how="left")
    out["distinct_features"] = out["distinct_features"].fillna(0).astype("int64")
    out = out.rename(columns={"total_runs": "agent_runs"})
    return finish(out, USER_ENGAGEMENT, keys)


# -- published tables: as-of tables ------------------------------------------------------


def as_of_dates(inp: Inputs) -> list[date]:
    """Every as-of date from the earliest activity day overall to the as-of date."""
    active = activity_days(inp)
    if active.empty:
        return []
    return day_range(min(active["metric_date"]), inp.as_of)


TOP_AGENTS_COLUMNS = [
    "as_of_date", "workspace_id", "rank", "agent_id", "agent_name", "total_runs",
    "successful_runs", "success_rate", "credits_consumed", "avg_runtime_seconds",
    "unique_users",
]  # fmt: skip


def top_agents(inp: Inputs, dates: Iterable[date] | None = None) -> pd.DataFrame:
    """analytics.top_agents: per as-of date and workspace, the 10 agents with most runs
    started in the 30-day window ending at the date (ties: agent_id asc). Each run is
    counted in the window of every as-of date d with d-29 <= its day <= d."""
    names = agent_names(inp)
    wanted = set(as_of_dates(inp) if dates is None else dates)
    keys = ["as_of_date", "workspace_id", "agent_id"]
    windows = inp.runs.merge(pd.DataFrame({"_offset": range(WINDOW_DAYS)}), how="cross")
    windows["as_of_date"] = [
        day + timedelta(days=int(offset))
        for day, offset in zip(windows["metric_date"], windows["_offset"], strict=True)
    ]
    windows = windows[windows["as_of_date"].isin(wanted)]
    if windows.empty:
        return finish(pd.DataFrame(columns=TOP_AGENTS_COLUMNS), TOP_AGENTS_COLUMNS, keys[:2])
    no_events = inp.events.iloc[0:0].assign(
        as_of_date=pd.Series(dtype=object), agent_id=pd.Series(dtype=object)
    )
    no_sessions = inp.sessions.iloc[0:0].assign(
        as_of_date=pd.Series(dtype=object), agent_id=pd.Series(dtype=object)
    )
    stats = bucket_metrics(no_events, windows, no_sessions, keys)
    stats = stats.sort_values(
        ["as_of_date", "workspace_id", "total_runs", "agent_id"],
        ascending=[True, True, False, True],
    )
    stats["rank"] = stats.groupby(["as_of_date", "workspace_id"]).cumcount() + 1
    stats = stats[stats["rank"] <= TOP_AGENTS].copy()
    stats["agent_name"] = [names.get(a) for a in stats["agent_id"]]
    stats = stats.rename(columns={"unique_run_users": "unique_users"})
    return finish(stats, TOP_AGENTS_COLUMNS, ["as_of_date", "workspace_id", "rank"])


WORKSPACE_SUMMARY = [
    "as_of_date", "workspace_id", "workspace_name", "subscription_tier",
    "subscription_status", "total_users", "active_users_30d", "new_users_30d", "events_30d",
    "sessions_30d", "total_runs_30d", "success_rate_30d", "credits_consumed_30d",
    "error_rate_30d", "top_feature_30d", "last_activity_at",
]  # fmt: skip


def workspace_summary(inp: Inputs, dates: Iterable[date] | None = None) -> pd.DataFrame:
    """analytics.workspace_summary: per as-of date, every workspace created by then."""
    active = activity_days(inp)
    first = first_days(active)
    rows = []
    for d in as_of_dates(inp) if dates is None else dates:
        view = inp.as_of_view(d)
        start = d - timedelta(days=WINDOW_DAYS - 1)
        end = end_of(d)
        events = view.events[view.events["metric_date"] >= start]
        runs = view.runs[view.runs["metric_date"] >= start]
        sessions = view.sessions[view.sessions["session_date"] >= start]
        window_active = active[(active["metric_date"] >= start) & (active["metric_date"] <= d)]
        for ws in inp.workspaces.itertuples(index=False):
            if ws.created_at >= end:
                continue
            w = ws.workspace_id
            e = events[events["workspace_id"] == w]
            r = runs[runs["workspace_id"] == w]
            finished = r["status"].isin(FINISHED).sum()
            failed = int((r["status"] == "failed").sum())
            errors = int((e["event_type"] == "error").sum())
            features = e.loc[e["event_type"] == "feature_use", "feature"].map(_unknown)
            counts = features.value_counts()
            top = sorted(counts.index, key=lambda f: (-counts[f], f))[0] if len(counts) else None
            mine = first[(first["workspace_id"] == w)]
            last = pd.concat(
                [
                    view.events.loc[view.events["workspace_id"] == w, "occurred_at"],
                    view.runs.loc[view.runs["workspace_id"] == w, "started_at"],
                ]
            ).max()
            rows.append(
                {
                    "as_of_date": d,
                    "workspace_id": w,
                    "workspace_name": ws.name,
                    "subscription_tier": ws.subscription_tier,
                    "subscription_status": ws.subscription_status,
                    "total_users": int(
                        ((inp.users["workspace_id"] == w) & (inp.users["created_at"] < end)).sum()
                    ),
                    "active_users_30d": int(
                        window_active.loc[window_active["workspace_id"] == w, "user_id"].nunique()
                    ),
                    "new_users_30d": int(
                        ((mine["first_day"] >= start) & (mine["first_day"] <= d)).sum()
                    ),
                    "events_30d": len(e),
                    "sessions_30d": int((sessions["workspace_id"] == w).sum()),
                    "total_runs_30d": len(r),
                    "success_rate_30d": ratio(int((r["status"] == "completed").sum()), finished),
                    "credits_consumed_30d": float(r["credits_consumed"].fillna(0.0).sum()),
                    "error_rate_30d": ratio(failed + errors, len(r) + len(e)),
                    "top_feature_30d": top,
                    "last_activity_at": last,
                }
            )
    out = pd.DataFrame(rows, columns=WORKSPACE_SUMMARY)
    return finish(out, WORKSPACE_SUMMARY, ["as_of_date", "workspace_id"])


USER_COHORTS = [
    "as_of_date", "cohort_type", "cohort_start", "workspace_id", "initial_users",
    "day_1_retention", "day_7_retention", "day_14_retention", "day_30_retention",
    "retention_data",
]  # fmt: skip
COHORT_START = {"week": week_start, "month": month_start}


def retention(first: Sequence[tuple[str, date]], active: set, as_of: date, n: int) -> float:
    """Share of users (user, first day) active on exactly first day + n, among those with
    first day + n <= as_of; null when none is measurable. `active` holds (user, day)."""
    measurable = [(u, f + timedelta(days=n)) for u, f in first if f + timedelta(days=n) <= as_of]
    return ratio(sum(pair in active for pair in measurable), len(measurable))


def user_cohorts(inp: Inputs, dates: Iterable[date] | None = None) -> pd.DataFrame:
    """analytics.user_cohorts: per as-of date, week and month cohorts of first activity,
    per workspace and overall."""
    active = with_all(activity_days(inp))
    first = first_days(active)
    active_set = {
        w: set(zip(g["user_id"], g["metric_date"], strict=True))
        for w, g in active.groupby("workspace_id")
    }
    rows = []
    for d in as_of_dates(inp) if dates is None else dates:
        known = first[first["first_day"] <= d]
        for cohort_type, start_of in COHORT_START.items():
            cohorts = known.assign(cohort_start=known["first_day"].map(start_of))
            for (w, c), group in cohorts.groupby(["workspace_id", "cohort_start"]):
                members = list(zip(group["user_id"], group["first_day"], strict=True))
                values = {n: retention(members, active_set[w], d, n) for n in RETENTION_DAYS}
                row = {
                    "as_of_date": d,
                    "cohort_type": cohort_type,
                    "cohort_start": c,
                    "workspace_id": w,
                    "initial_users": len(members),
                    "retention_data": {
                        f"day_{n}": (None if pd.isna(v) else v) for n, v in values.items()
                    },
                }
                row.update({f"day_{n}_retention": v for n, v in values.items()})
                rows.append(row)
    out = pd.DataFrame(rows, columns=USER_COHORTS)
    return finish(out, USER_COHORTS, ["as_of_date", "cohort_type", "cohort_start", "workspace_id"])


# -- published tables: analytics_metrics -------------------------------------------------

ANALYTICS_METRICS = [
    "metric_name", "metric_type", "category", "period_type", "period_start", "period_end",
    "workspace_id", "value", "previous_value", "change_percentage",
    # The seed 001 scope and provenance columns: null on every row but the QMS pack's.
    "metric_subcategory", "unit", "department_id", "module_name", "entity_type", "entity_id",
    "calculation_method", "data_source",
]  # fmt: skip
KPIS = {  # metric_name: (metric_type, category, bucket column)
    "active_users": ("count", "activity", "active_users"),
    "events": ("count", "activity", "events"),
    "sessions": ("count", "activity", "sessions"),
    "bounce_rate": ("ratio", "activity", "bounce_rate"),
    "total_runs": ("count", "agents", "total_runs"),
    "success_rate": ("ratio", "agents", "success_rate"),
    "credits_consumed": ("sum", "agents", "credits_consumed"),
    "error_rate": ("ratio", "errors", "error_rate"),
    "api_latency_p95_ms": ("percentile", "latency", "api_latency_p95_ms"),
}


def period_bounds(period_type: str, day: date) -> tuple[date, date]:
    """(first, last) day of the day / ISO week / calendar month containing `day`."""
    if period_type == "day":
        return day, day
    if period_type == "week":
        start = week_start(day)
        return start, start + timedelta(days=6)
    start = month_start(day)
    return start, next_month(start) - timedelta(days=1)


def long_kpi_rows(
    first_days: Mapping[object, date],
    as_of: date,
    kpis: Mapping[str, tuple[str, str]],
    values: Callable[[object, str, date, date], Mapping[str, float]],
) -> list[dict]:
    """The rows of a long KPI table (analytics_metrics' columns): per period type
    and scope (a workspace, an organization or the ALL sentinel, with its first
    day), every period from the one containing the first day to the as-of date,
    `values(scope, period_type, start, end)` as {metric_name: value} and the
    previous period's value (null for the first period). `kpis`: {metric_name:
    (metric_type, category)}."""
    rows = []
    for period_type in ("day", "week", "month"):
        for scope, first in first_days.items():
            starts = sorted({period_bounds(period_type, d)[0] for d in day_range(first, as_of)})
            previous: dict[str, float] = {}
            for start in starts:
                end = period_bounds(period_type, start)[1]
                period_values = values(scope, period_type, start, end)
                for name, (metric_type, category) in kpis.items():
                    value = period_values[name]
                    before = previous.get(name, float("nan"))
                    rows.append(
                        {
                            "metric_name": name,
                            "metric_type": metric_type,
                            "category": category,
                            "period_type": period_type,
                            "period_start": start,
                            "period_end": end,
                            "workspace_id": scope,
                            "value": value,
                            "previous_value": before,
                            "change_percentage": change_percentage(value, before),
                        }
                    )
                    previous[name] = value
    return rows


def analytics_metrics(inp: Inputs) -> pd.DataFrame:
    """analytics.analytics_metrics: KPIs per day, week and month with the previous
    period's value and the change in percent."""
    keys = ["workspace_id", "period_start"]
    active = with_all(activity_days(inp))
    firsts = active.groupby("workspace_id")["metric_date"].min()
    events, runs = with_all(inp.events), with_all(inp.runs)
    sessions = with_all(inp.sessions)
    by_type = {}
    for period_type in ("day", "week", "month"):

        def start_of(days: pd.Series, period_type=period_type) -> list[date]:
            return [period_bounds(period_type, d)[0] for d in days]

        by_type[period_type] = bucket_metrics(
            events.assign(period_start=start_of(events["metric_date"])),
            runs.assign(period_start=start_of(runs["metric_date"])),
            sessions.assign(period_start=start_of(sessions["session_date"])),
            keys,
        ).set_index(keys)

    def values(w, period_type: str, start: date, _end: date) -> dict[str, float]:
        metrics = by_type[period_type]
        stats = metrics.loc[(w, start)] if (w, start) in metrics.index else None
        return {name: _kpi_value(stats, column) for name, (_t, _c, column) in KPIS.items()}

    kpis = {name: (metric_type, category) for name, (metric_type, category, _) in KPIS.items()}
    rows = long_kpi_rows(dict(firsts.items()), inp.as_of, kpis, values)
    out = pd.DataFrame(rows, columns=ANALYTICS_METRICS)
    return finish(
        out, ANALYTICS_METRICS, ["metric_name", "period_type", "period_start", "workspace_id"]
    )


def _kpi_value(stats: pd.Series | None, column: str) -> float:
    """A bucket's KPI; for a period without rows, counts and sums are 0, the rest null."""
    if stats is None:
        return 0.0 if column in (*COUNT_COLUMNS, "credits_consumed") else float("nan")
    value = stats[column]
    return float("nan") if value is None or pd.isna(value) else float(value)


# -- everything --------------------------------------------------------------------------

TABLES: dict[str, Callable[[Inputs], pd.DataFrame]] = {
    "hourly_metrics": hourly_metrics,
    "daily_metrics": daily_metrics,
    "agent_performance": agent_performance,
    "feature_utilization": feature_utilization,
    "user_engagement_metrics": user_engagement_metrics,
    "active_users": active_users,
    "top_agents": top_agents,
    "workspace_summary": workspace_summary,
    "user_cohorts": user_cohorts,
    "analytics_metrics": analytics_metrics,
}
GRAINS: dict[str, list[str]] = {
    "hourly_metrics": ["metric_hour", "workspace_id"],
    "daily_metrics": ["metric_date", "workspace_id"],
    "agent_performance": ["metric_date", "workspace_id", "agent_id"],
    "feature_utilization": ["metric_date", "workspace_id", "feature"],
    "user_engagement_metrics": ["metric_date", "workspace_id", "user_id"],
    "active_users": ["metric_date", "workspace_id"],
    "top_agents": ["as_of_date", "workspace_id", "rank"],
    "workspace_summary": ["as_of_date", "workspace_id"],
    "user_cohorts": ["as_of_date", "cohort_type", "cohort_start", "workspace_id"],
    "analytics_metrics": ["metric_name", "period_type", "period_start", "workspace_id"],
    "int_sessions": ["workspace_id", "user_id", "session_id"],
    "int_user_activity_days": ["user_id", "workspace_id", "activity_date"],
    "int_user_first_activity": ["user_id", "workspace_id"],
}
INTERMEDIATE: dict[str, Callable[[Inputs], pd.DataFrame]] = {
    "int_sessions": int_sessions,
    "int_user_activity_days": int_user_activity_days,
    "int_user_first_activity": int_user_first_activity,
}


def all_tables(inp: Inputs) -> dict[str, pd.DataFrame]:
    """Every published table (and the intermediate models) of the reference."""
    return {name: fn(inp) for name, fn in {**TABLES, **INTERMEDIATE}.items()}
