"""Question attempts rolled up the topic tree, and the daily reviews spaced repetition reads.

Attempts have the stg_question_attempts columns (attempt_id, user_id,
workspace_id, question_id, topic_id, is_correct, answered_at, ...). Timestamps
may be tz-aware or naive (naive means UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .curriculum import expand_to_ancestors, topic_lineage

DAY = pd.Timedelta(days=1)


def group_codes(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group id of each row over `columns`, and the key values of each group.

    Integer codes make groupby over millions of rows with text keys fast. Group
    ids follow the sorted order of the keys (a null sorts last), so the keys frame
    (one row per group id) comes out sorted by `columns`.
    """
    combined = np.zeros(len(frame), dtype="int64")
    uniques: list[pd.Index] = []
    for column in columns:
        codes, values = pd.factorize(frame[column], sort=True, use_na_sentinel=False)
        combined = combined * max(len(values), 1) + codes
        uniques.append(pd.Index(values))
    group_values, groups = np.unique(combined, return_inverse=True)
    remainder = group_values.astype("int64")
    keys: dict[str, pd.Index] = {}
    for column, values in zip(reversed(columns), reversed(uniques), strict=True):
        size = max(len(values), 1)
        keys[column] = values.take(remainder % size)
        remainder = remainder // size
    return groups.astype("int64"), pd.DataFrame({c: keys[c] for c in columns})


def utc(values: pd.Series) -> pd.Series:
    """Timestamps as tz-aware UTC (naive values are taken as UTC)."""
    return pd.to_datetime(values, utc=True, format="ISO8601")


def as_of_end(as_of: dt.date | dt.datetime | str | pd.Timestamp) -> pd.Timestamp:
    """End of the as-of date D: D + 1 day, 00:00 UTC. Only events before it count."""
    stamp = pd.Timestamp(as_of)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return (stamp.normalize() + DAY).tz_localize("UTC")


def before(frame: pd.DataFrame, time_column: str, end: pd.Timestamp) -> pd.DataFrame:
    """Rows whose `time_column` is before `end`, with that column as UTC timestamps."""
    times = utc(frame[time_column])
    keep = (times < end).to_numpy()
    kept = frame.loc[keep].copy()
    kept[time_column] = times[keep].array
    return kept


def user_workspaces(*events: tuple[pd.DataFrame, str]) -> pd.Series:
    """Each user's workspace: the workspace_id of the user's latest event.

    `events` are (frame, time column) pairs, e.g. (attempts, "answered_at"). A
    user belongs to one workspace (CONTRACT users); taking the latest event makes
    the answer deterministic even if a source disagrees. Index user_id.
    """
    frames = [
        pd.DataFrame(
            {
                "user_id": frame["user_id"].array,
                "workspace_id": frame["workspace_id"].array,
                "at": utc(frame[column]).array,
            }
        )
        for frame, column in events
    ]
    every = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if every.empty:
        return pd.Series([], index=pd.Index([], name="user_id"), dtype=object, name="workspace_id")
    users, keys = group_codes(every, ["user_id"])
    workspaces = pd.factorize(every["workspace_id"], sort=True, use_na_sentinel=False)[0]
    order = np.lexsort((workspaces, every["at"].array.asi8, users))
    last = order[np.append(users[order][1:] != users[order][:-1], True)]
    return pd.Series(
        every["workspace_id"].take(last).to_numpy(),
        index=pd.Index(keys["user_id"], name="user_id"),
        name="workspace_id",
    )


def attempts_by_topic_level(attempts: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """Each attempt repeated for its own topic and every ancestor (subject, system).

    Keeps every attempt column; `topic_id` becomes the rolled-up topic, with
    `origin_topic_id` (the attempt's own topic) and `topic_level` (level of the
    rolled-up topic; null for a topic missing from the curriculum, which is kept
    under its own topic only) added.
    """
    return expand_to_ancestors(
        attempts, topic_lineage(topics), carry={"ancestor_level": "topic_level"}
    )


def daily_reviews(expanded_attempts: pd.DataFrame) -> pd.DataFrame:
    """One review per (user, topic, UTC day) with attempts: the input of spaced repetition.

    Columns: workspace_id (the user's workspace, see `user_workspaces`), user_id,
    topic_id, review_day (midnight UTC of the day), review_time (the day's first
    answered_at on the topic), attempts, correct, accuracy (correct / attempts).
    Sorted by user_id, topic_id, review_day.
    """
    times = utc(expanded_attempts["answered_at"])
    frame = expanded_attempts[["user_id", "topic_id"]].assign(review_day=times.dt.floor("D"))
    groups, out = group_codes(frame, ["user_id", "topic_id", "review_day"])
    correct = expanded_attempts["is_correct"].astype(bool).to_numpy()
    out["review_time"] = pd.Series(times.array).groupby(groups).min().array
    out["attempts"] = np.bincount(groups, minlength=len(out)).astype("int64")
    out["correct"] = np.bincount(groups, weights=correct, minlength=len(out)).astype("int64")
    out["accuracy"] = out["correct"] / out["attempts"]
    workspace = user_workspaces((expanded_attempts, "answered_at"))
    out.insert(0, "workspace_id", workspace.reindex(out["user_id"]).to_numpy())
    return out
