"""Reference computations of the learning statistics tables of docs/tables.md
(definitions: shared/METRICS.md "Learning"), as pure functions over the deduplicated
source frames of `raw_files.load_dataset(files, sources=SOURCES)`.

Written from the documents only, not from the SQL: study sessions are replayed event
by event, topics roll up by walking parent links, rolling windows and streaks are
counted day by day per user.

Conventions (as in `activity`):
- Deleted users (newest `users` version has `deleted_at`) count nowhere.
- Study sessions are whole (built from every study event, also those after the as-of
  date) and count on their start day; attempts and interactions count on the UTC day
  of their time. Nothing on a day after the as-of date is counted.
- A material is completed by the user's first `complete` interaction with it in the
  workspace (ties: lowest interaction_id); it counts on that day.
- A null number is NaN; a ratio with a zero denominator is null.
- Table functions return exactly the columns of docs/tables.md, sorted by the grain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .activity import day_of, day_range, finish, ratio, week_start, with_all

SOURCES = ("users", "study_events", "question_attempts", "material_interactions", "topics")
WINDOWS = (("30d", 30), ("90d", 90), ("all_time", None))
WINDOW_METRICS = (
    "attempts",
    "correct_attempts",
    "accuracy",
    "study_minutes",
    "materials_completed",
)
WEEKLY_CHANGED = (
    "active_days",
    "study_sessions",
    "study_minutes",
    "attempts",
    "materials_completed",
)


def change_pct(value: float, previous: float) -> float:
    """(value - previous) / previous * 100; null when previous is 0."""
    return float("nan") if previous == 0 else (value - previous) / previous * 100.0


# -- study sessions ----------------------------------------------------------------------

SESSION_COLUMNS = [
    "session_id", "workspace_id", "user_id", "started_at", "ended_at", "has_end",
    "event_count", "duration_seconds", "paused_seconds", "study_minutes", "session_day",
]  # fmt: skip


def replay_session(events: pd.DataFrame) -> dict:
    """One session from its study events (any order): start = earliest session_start
    (else first event), end = latest session_end (else last event, never before the
    start); a pause runs from a session_pause (none already running) to the next
    session_resume, else to the end; paused time is clipped to [start, end]."""
    starts = events.loc[events["event_type"] == "session_start", "occurred_at"]
    ends = events.loc[events["event_type"] == "session_end", "occurred_at"]
    started = starts.min() if len(starts) else events["occurred_at"].min()
    ended = max(ends.max() if len(ends) else events["occurred_at"].max(), started)
    toggles = events[events["event_type"].isin(["session_pause", "session_resume"])]
    rank = (toggles["event_type"] == "session_resume").astype(int)
    toggles = toggles.assign(_rank=rank).sort_values(["occurred_at", "_rank", "event_id"])
    intervals = []
    paused_since = None
    for kind, at in zip(toggles["event_type"], toggles["occurred_at"], strict=True):
        if kind == "session_pause" and paused_since is None:
            paused_since = at
        elif kind == "session_resume" and paused_since is not None:
            intervals.append((paused_since, at))
            paused_since = None
    if paused_since is not None:
        intervals.append((paused_since, ended))
    paused = sum(
        max((min(stop, ended) - max(begin, started)).total_seconds(), 0.0)
        for begin, stop in intervals
    )
    duration = (ended - started).total_seconds()
    return {
        "started_at": started,
        "ended_at": ended,
        "has_end": bool(len(ends)),
        "event_count": len(events),
        "duration_seconds": duration,
        "paused_seconds": paused,
        "study_minutes": (duration - paused) / 60.0,
    }


def study_sessions(study_events: pd.DataFrame) -> pd.DataFrame:
    """Every session of the given (non-deleted users') study events."""
    rows = []
    keys = ["workspace_id", "user_id", "session_id"]
    for (workspace, user, session), events in study_events.groupby(keys, sort=True):
        rows.append(
            {
                "session_id": session,
                "workspace_id": workspace,
                "user_id": user,
                **replay_session(events),
            }
        )
    out = pd.DataFrame(rows, columns=[c for c in SESSION_COLUMNS if c != "session_day"])
    out["session_day"] = day_of(out["started_at"]) if len(out) else pd.Series(dtype=object)
    return out[SESSION_COLUMNS]


# -- inputs ------------------------------------------------------------------------------


@dataclass
class LearningInputs:
    """Learning facts of non-deleted users up to the end of the as-of date, each with
    its `day`; sessions and completions are derived from all rows first."""

    as_of: date
    sessions: pd.DataFrame  # every session (whole), not cut at the as-of date
    attempts: pd.DataFrame
    interactions: pd.DataFrame
    completions: pd.DataFrame  # first `complete` per (workspace, user, material)
    ancestors: dict[str, list[str]]  # topic -> itself and its ancestors
    levels: dict[str, str]

    def facts(self) -> pd.DataFrame:
        """One frame of every fact on or before the as-of date: fact, day, workspace_id,
        user_id, topic_id, question_id, is_correct, time_to_answer_seconds, study_minutes."""
        parts = [
            self.sessions.assign(fact="session", day=self.sessions["session_day"]),
            self.attempts.assign(fact="attempt"),
            self.interactions.assign(fact="interaction"),
            self.completions.assign(fact="completion"),
        ]
        columns = [
            "fact", "day", "workspace_id", "user_id", "topic_id", "question_id", "is_correct",
            "time_to_answer_seconds", "study_minutes",
        ]  # fmt: skip
        frames = [p.reindex(columns=columns) for p in parts]
        out = pd.concat(frames, ignore_index=True)
        out["is_correct"] = out["is_correct"].astype(object)
        return out[[d <= self.as_of for d in out["day"]]].reset_index(drop=True)


def topic_ancestors(topics: pd.DataFrame) -> dict[str, list[str]]:
    """Each catalog topic with its parent, grandparent, ... (stops on a cycle)."""
    parent = dict(zip(topics["topic_id"], topics["parent_topic_id"], strict=True))
    out = {}
    for topic in parent:
        chain = [topic]
        node = parent.get(topic)
        while node is not None and not pd.isna(node) and node not in chain:
            chain.append(node)
            node = parent.get(node)
        out[topic] = chain
    return out


def prepare(data: Mapping[str, pd.DataFrame], as_of: date) -> LearningInputs:
    """Inputs of every learning table as of `as_of`, from `load_dataset` frames."""
    users = data["users"]
    deleted = set(users.loc[users["deleted_at"].notna(), "user_id"])

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[~frame["user_id"].isin(deleted)].reset_index(drop=True)

    attempts = kept(data["question_attempts"])
    attempts = attempts.assign(day=day_of(attempts["answered_at"]))
    interactions = kept(data["material_interactions"])
    interactions = interactions.assign(day=day_of(interactions["occurred_at"]))
    complete = interactions[interactions["interaction_type"] == "complete"]
    completions = (
        complete.sort_values(["occurred_at", "interaction_id"])
        .drop_duplicates(["workspace_id", "user_id", "material_id"], keep="first")
        .reset_index(drop=True)
    )
    topics = data["topics"]
    return LearningInputs(
        as_of=as_of,
        sessions=study_sessions(kept(data["study_events"])),
        attempts=attempts[attempts["day"] <= as_of].reset_index(drop=True),
        interactions=interactions[interactions["day"] <= as_of].reset_index(drop=True),
        completions=completions[completions["day"] <= as_of].reset_index(drop=True),
        ancestors=topic_ancestors(topics),
        levels=dict(zip(topics["topic_id"], topics["level"], strict=True)),
    )


# -- per-user sums -----------------------------------------------------------------------


def user_sums(facts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The per-user learning sums of `facts` grouped by `keys`."""
    rows = []
    for key, group in facts.groupby(keys, sort=True):
        kind = group["fact"]
        attempts = group[kind == "attempt"]
        touched = group.loc[kind.isin(["attempt", "interaction"]), "topic_id"]
        correct = int((attempts["is_correct"] == True).sum())  # noqa: E712 (object column)
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "active_days": group["day"].nunique(),
                "study_sessions": int((kind == "session").sum()),
                "study_minutes": float(group.loc[kind == "session", "study_minutes"].sum()),
                "attempts": len(attempts),
                "correct_attempts": correct,
                "accuracy": ratio(correct, len(attempts)),
                "material_interactions": int((kind == "interaction").sum()),
                "materials_completed": int((kind == "completion").sum()),
                "topics_touched": touched.nunique(),
            }
        )
    return pd.DataFrame(rows)


DAILY_USER_STATS = [
    "stat_date", "workspace_id", "user_id", "study_sessions", "study_minutes", "attempts",
    "correct_attempts", "accuracy", "material_interactions", "materials_completed",
    "topics_touched",
]  # fmt: skip


def daily_user_stats(inp: LearningInputs) -> pd.DataFrame:
    """analytics.daily_user_stats: one row per user and day with any learning fact."""
    out = user_sums(inp.facts(), ["day", "workspace_id", "user_id"])
    out = out.rename(columns={"day": "stat_date"}) if len(out) else out
    out = out.reindex(columns=DAILY_USER_STATS)
    return finish(out, DAILY_USER_STATS, ["stat_date", "workspace_id", "user_id"])


WEEKLY_USER_STATS = [
    "week_start", "week_end", "workspace_id", "user_id", "active_days", "study_sessions",
    "study_minutes", "attempts", "correct_attempts", "accuracy", "material_interactions",
    "materials_completed", "topics_touched",
    *[f"{m}{suffix}" for m in WEEKLY_CHANGED for suffix in ("_change", "_change_pct")],
    "accuracy_change",
]  # fmt: skip


def weekly_user_stats(inp: LearningInputs) -> pd.DataFrame:
    """analytics.weekly_user_stats: one row per user and ISO week with any learning fact
    (the week of the as-of date up to that date), with week-over-week changes."""
    facts = inp.facts()
    facts["week_start"] = [week_start(d) for d in facts["day"]]
    weeks = user_sums(facts, ["week_start", "workspace_id", "user_id"])
    if weeks.empty:
        return pd.DataFrame(columns=WEEKLY_USER_STATS)
    by_key = {
        (w, ws, u): row
        for w, ws, u, row in zip(
            weeks["week_start"], weeks["workspace_id"], weeks["user_id"],
            weeks.to_dict("records"), strict=True,
        )
    }  # fmt: skip
    rows = []
    for (week, workspace, user), row in by_key.items():
        previous = by_key.get((week - timedelta(days=7), workspace, user))
        out = {**row, "week_end": week + timedelta(days=6)}
        for metric in WEEKLY_CHANGED:
            before = previous[metric] if previous else 0
            out[f"{metric}_change"] = row[metric] - before
            out[f"{metric}_change_pct"] = change_pct(row[metric], before)
        before = previous["accuracy"] if previous else float("nan")
        out["accuracy_change"] = row["accuracy"] - before  # NaN when either is null
        rows.append(out)
    return finish(pd.DataFrame(rows), WEEKLY_USER_STATS, ["week_start", "workspace_id", "user_id"])


# -- topics ------------------------------------------------------------------------------

TOPIC_DAILY_STATS = [
    "stat_date", "workspace_id", "topic_id", "topic_level", "attempts", "correct_attempts",
    "accuracy", "unique_users", "unique_questions", "avg_time_to_answer_seconds",
    "material_interactions", "materials_completed",
]  # fmt: skip


def topic_daily_stats(inp: LearningInputs) -> pd.DataFrame:
    """analytics.topic_daily_stats: every fact counts for its topic and each ancestor;
    rows per (day, workspace, topic) plus all-workspaces rows (workspace_id null)."""
    facts = inp.facts()
    facts = facts[facts["fact"] != "session"]
    exploded = facts.assign(
        topic_id=[inp.ancestors.get(t, [t]) for t in facts["topic_id"]]
    ).explode("topic_id")
    rows = []
    for (day, workspace, topic), group in with_all(exploded).groupby(
        ["day", "workspace_id", "topic_id"], sort=True
    ):
        attempts = group[group["fact"] == "attempt"]
        correct = int((attempts["is_correct"] == True).sum())  # noqa: E712
        times = attempts["time_to_answer_seconds"].dropna()
        rows.append(
            {
                "stat_date": day,
                "workspace_id": workspace,
                "topic_id": topic,
                "topic_level": inp.levels.get(topic),
                "attempts": len(attempts),
                "correct_attempts": correct,
                "accuracy": ratio(correct, len(attempts)),
                "unique_users": attempts["user_id"].nunique(),
                "unique_questions": attempts["question_id"].nunique(),
                "avg_time_to_answer_seconds": float(times.mean()) if len(times) else np.nan,
                "material_interactions": int((group["fact"] == "interaction").sum()),
                "materials_completed": int((group["fact"] == "completion").sum()),
            }
        )
    out = pd.DataFrame(rows, columns=TOPIC_DAILY_STATS)
    return finish(out, TOPIC_DAILY_STATS, ["stat_date", "workspace_id", "topic_id"])


# -- per user as of each date ------------------------------------------------------------

USER_LEARNING_METRICS = [
    "as_of_date", "workspace_id", "user_id",
    *[f"{m}_{name}" for name, _ in WINDOWS for m in WINDOW_METRICS],
    "current_streak", "longest_streak", "last_active_date",
]  # fmt: skip


def streaks(active: set[date], as_of: date) -> tuple[int, int]:
    """(current, longest) streak as of `as_of` over a set of active days: the current
    run ends on the as-of date, or on the day before when the as-of date has no
    activity; the longest is the longest run up to the as-of date."""

    def run_ending(day: date) -> int:
        length = 0
        while day in active:
            length += 1
            day -= timedelta(days=1)
        return length

    current = run_ending(as_of) if as_of in active else run_ending(as_of - timedelta(days=1))
    longest = max((run_ending(d) for d in active if d <= as_of), default=0)
    return current, longest


def user_learning_metrics(inp: LearningInputs, dates: Iterable[date] | None = None) -> pd.DataFrame:
    """analytics.user_learning_metrics: per as-of date D, every user with a learning fact
    on or before D: 30-day, 90-day (D-29..D, D-89..D) and all-time sums, streaks."""
    daily = daily_user_stats(inp)
    rows = []
    for (workspace, user), days in daily.groupby(["workspace_id", "user_id"], sort=True):
        by_day = {d: r for d, r in zip(days["stat_date"], days.to_dict("records"), strict=True)}
        active = {d for d, r in by_day.items() if r["attempts"] + r["material_interactions"] > 0}
        first = min(by_day)
        wanted = day_range(first, inp.as_of) if dates is None else [d for d in dates if d >= first]
        for d in wanted:
            row = {"as_of_date": d, "workspace_id": workspace, "user_id": user}
            for name, length in WINDOWS:
                start = first if length is None else d - timedelta(days=length - 1)
                window = [r for day, r in by_day.items() if start <= day <= d]
                attempts = sum(r["attempts"] for r in window)
                correct = sum(r["correct_attempts"] for r in window)
                row[f"attempts_{name}"] = attempts
                row[f"correct_attempts_{name}"] = correct
                row[f"accuracy_{name}"] = ratio(correct, attempts)
                row[f"study_minutes_{name}"] = float(sum(r["study_minutes"] for r in window))
                row[f"materials_completed_{name}"] = sum(r["materials_completed"] for r in window)
            row["current_streak"], row["longest_streak"] = streaks(active, d)
            row["last_active_date"] = max((a for a in active if a <= d), default=None)
            rows.append(row)
    out = pd.DataFrame(rows, columns=USER_LEARNING_METRICS)
    return finish(out, USER_LEARNING_METRICS, ["as_of_date", "workspace_id", "user_id"])


def int_study_sessions(inp: LearningInputs) -> pd.DataFrame:
    """intermediate.int_study_sessions: every session (also those after the as-of date)."""
    return finish(inp.sessions, SESSION_COLUMNS, ["workspace_id", "user_id", "session_id"])


# -- everything --------------------------------------------------------------------------

TABLES: dict[str, Callable[[LearningInputs], pd.DataFrame]] = {
    "daily_user_stats": daily_user_stats,
    "weekly_user_stats": weekly_user_stats,
    "topic_daily_stats": topic_daily_stats,
    "user_learning_metrics": user_learning_metrics,
}
INTERMEDIATE: dict[str, Callable[[LearningInputs], pd.DataFrame]] = {
    "int_study_sessions": int_study_sessions,
}
GRAINS: dict[str, list[str]] = {
    "daily_user_stats": ["stat_date", "workspace_id", "user_id"],
    "weekly_user_stats": ["week_start", "workspace_id", "user_id"],
    "topic_daily_stats": ["stat_date", "workspace_id", "topic_id"],
    "user_learning_metrics": ["as_of_date", "workspace_id", "user_id"],
    "int_study_sessions": ["workspace_id", "user_id", "session_id"],
}
