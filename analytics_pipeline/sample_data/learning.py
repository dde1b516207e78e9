"""Study sessions of learners: study events, question attempts and material interactions.

Simulated learner by learner (practice state is sequential): each learner works through
the curriculum, reviews earlier topics, and answers correctly more often with practice on a
topic and less often after days away from it.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .curriculum import ANSWERS, Curriculum
from .delivery import EventRows
from .ids import uuids
from .period import HOUR_MS, MINUTE_MS, Period
from .population import Population
from .timestamps import format_ts, pick_styles

# Students study around lectures and in the evening (UTC hour weights).
STUDY_HOURS = np.array(
    [0.5, 0.3, 0.2, 0.2, 0.2, 0.4, 0.8, 1.5, 2.5, 3.5, 4.0, 3.5,
     2.5, 3.0, 3.5, 3.5, 3.0, 3.0, 3.5, 4.5, 5.0, 4.5, 3.0, 1.5]
)  # fmt: skip
DEVICES = ("web", "ios", "android")
STUDY_DAY_SHARE = 0.7  # share of a learner's active days with a study session


class _Draws:
    """Buffered scalar draws: scalar Generator calls are slow in a per-event loop."""

    def __init__(self, rng: np.random.Generator, size: int = 1 << 16) -> None:
        self._rng, self._size = rng, size
        self._u: list[float] = []
        self._z: list[float] = []
        self._i = self._j = size

    def uniform(self) -> float:
        if self._i == self._size:
            self._u, self._i = self._rng.random(self._size).tolist(), 0
        self._i += 1
        return self._u[self._i - 1]

    def normal(self) -> float:
        if self._j == self._size:
            self._z, self._j = self._rng.standard_normal(self._size).tolist(), 0
        self._j += 1
        return self._z[self._j - 1]

    def below(self, n: int) -> int:
        return min(int(self.uniform() * n), n - 1)

    def between(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.uniform()

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.normal())


@dataclass
class _Learner:
    """Practice state of one learner."""

    user: int
    ability: float
    path: list[int]
    need: int
    frontier: int = 0
    studied: list[int] = field(default_factory=list)
    attempts: dict[int, int] = field(default_factory=dict)  # topic -> attempts so far
    last_day: dict[int, int] = field(default_factory=dict)  # topic -> last practice day
    banks: dict[int, list[Any]] = field(default_factory=dict)  # topic -> [question order, seen]
    progress: dict[int, float] = field(default_factory=dict)  # material -> progress pct
    completed: set[int] = field(default_factory=set)


@dataclass
class LearningRows:
    study_events: EventRows
    question_attempts: EventRows
    material_interactions: EventRows


class _Simulator:
    def __init__(self, rng: np.random.Generator, pop: Population, cur: Curriculum) -> None:
        self.rng, self.pop, self.cur = rng, pop, cur
        self.draws = _Draws(rng)
        self.hour_cdf = np.cumsum(STUDY_HOURS / STUDY_HOURS.sum()).tolist()
        self.sessions = 0
        # study_events: user, session, type, properties, ms
        self.se: tuple[list, list, list, list, list] = ([], [], [], [], [])
        # question_attempts: user, session, question, selected, correct, seconds, confidence,
        # hint, ms
        self.qa: tuple[list, ...] = ([], [], [], [], [], [], [], [], [])
        # material_interactions: user, session, material, type, duration, progress, ms
        self.mi: tuple[list, ...] = ([], [], [], [], [], [], [])

    def _event(self, user: int, session: int, kind: str, props: dict | None, ms: float) -> None:
        for col, value in zip(self.se, (user, session, kind, props, int(ms)), strict=True):
            col.append(value)

    def _interaction(
        self,
        lr: _Learner,
        session: int,
        material: int,
        kind: str,
        duration: float | None,
        progress: float | None,
        ms: float,
    ) -> None:
        if self.draws.uniform() < 0.05:
            session = -1
        values = (lr.user, session, material, kind, duration, progress, int(ms))
        for col, value in zip(self.mi, values, strict=True):
            col.append(value)

    def learner(self, user: int, study_days: list[int], period: Period) -> None:
        d = self.draws
        systems = [t for t in range(len(self.cur.level)) if self.cur.level[t] == "system"]
        order = self.rng.permutation(len(systems) - 1).tolist() + [len(systems) - 1]
        path = [
            t
            for s in order
            for t in range(len(self.cur.level))
            if self.cur.level[t] == "subtopic" and self.cur.system[t] == systems[s]
        ]
        lr = _Learner(user=user, ability=0.7 * d.normal(), path=path, need=6 + d.below(10))
        for day in study_days:
            start = int(period.day_ms(day))
            prev_end = int(self.pop.created_ms[user])  # nobody studies before signing up
            for _ in range(1 + (d.uniform() < 0.25)):
                hour = bisect.bisect_left(self.hour_cdf, d.uniform())
                t0 = max(start + hour * HOUR_MS + d.below(HOUR_MS), prev_end + 20 * MINUTE_MS)
                prev_end = self.session(lr, day, t0)

    def _pick_topic(self, lr: _Learner) -> int:
        done = lr.frontier >= len(lr.path)
        if lr.studied and (done or self.draws.uniform() < 0.35):
            return lr.studied[self.draws.below(len(lr.studied))]
        return lr.path[lr.frontier]

    def session(self, lr: _Learner, day: int, t0: int) -> int:
        """One study session starting at t0; returns the time of its last event."""
        d, cur = self.draws, self.cur
        sid = self.sessions
        self.sessions += 1
        topic = self._pick_topic(lr)
        t = float(t0)
        props = {"device": DEVICES[d.below(3)], "planned_minutes": (15, 30, 45, 60)[d.below(4)]}
        self._event(lr.user, sid, "session_start", props, t)
        t += d.between(2_000, 10_000)
        if d.uniform() < 0.25:
            query = cur.names[topic].lower()
            self._event(lr.user, sid, "search", {"query": query, "results": 1 + d.below(20)}, t)
            t += d.between(5_000, 30_000)
        if cur.topic_materials.get(topic) and d.uniform() < 0.7:
            t = self._read(lr, sid, topic, t)
        n_questions = 3 + d.below(13)
        pause_at = d.below(n_questions) if d.uniform() < 0.3 else -1
        xp = 0
        for k in range(n_questions):
            t, gained = self._question(lr, sid, day, topic, t)
            xp += gained
            if k == pause_at:
                self._event(lr.user, sid, "session_pause", None, t)
                paused = d.between(2, 25) * MINUTE_MS
                t += paused
                self._event(
                    lr.user, sid, "session_resume", {"paused_seconds": int(paused // 1000)}, t
                )
                t += d.between(1_000, 5_000)
        on_frontier = lr.frontier < len(lr.path) and topic == lr.path[lr.frontier]
        if on_frontier and lr.attempts.get(topic, 0) >= lr.need:
            lr.frontier += 1
        if d.uniform() < 0.9:
            t += d.between(2_000, 30_000)
            self._event(lr.user, sid, "session_end", {"xp_total": xp}, t)
        return int(t)

    def _read(self, lr: _Learner, sid: int, topic: int, t: float) -> float:
        d, cur = self.draws, self.cur
        materials = cur.topic_materials[topic]
        open_ones = [m for m in materials if m not in lr.completed]
        m = open_ones[0] if open_ones and d.uniform() < 0.8 else materials[d.below(len(materials))]
        tid = cur.topic_ids[topic]
        opened = {"material_id": cur.material_ids[m], "topic_id": tid}
        self._event(lr.user, sid, "material_open", opened, t)
        before = lr.progress.get(m, 0.0)
        self._interaction(lr, sid, m, "open", None, before, t)
        seconds = min(max(d.lognormal(420.0, 0.7), 10.0), 5400.0)
        after = min(100.0, round(before + seconds / cur.material_seconds[m] * 100.0, 1))
        for kind, share, p in (("highlight", 0.4, 0.2), ("note", 0.6, 0.1)):
            if d.uniform() < p:
                progress = round(before + (after - before) * share, 1)
                at = t + seconds * share * 1000
                self._interaction(lr, sid, m, kind, round(d.between(3, 60), 1), progress, at)
        t += seconds * 1000
        self._interaction(lr, sid, m, "read", round(seconds, 1), after, t)
        if after >= 100.0 and m not in lr.completed:
            lr.completed.add(m)
            t += 1_000
            self._interaction(lr, sid, m, "complete", None, 100.0, t)
        lr.progress[m] = after
        return t + d.between(3_000, 15_000)

    def _question(
        self, lr: _Learner, sid: int, day: int, topic: int, t: float
    ) -> tuple[float, int]:
        d, cur = self.draws, self.cur
        q_topic = cur.parent[topic] if d.uniform() < 0.15 else topic
        bank = lr.banks.get(q_topic)
        if bank is None:
            bank = lr.banks[q_topic] = [self.rng.permutation(cur.topic_questions[q_topic]), 0]
        order, seen_count = bank
        if seen_count < len(order) and (seen_count == 0 or d.uniform() < 0.75):
            q, seen = int(order[seen_count]), False
            bank[1] += 1
        else:
            q, seen = int(order[d.below(seen_count)]), True
        qid = cur.question_ids[q]
        view = {"question_id": qid, "topic_id": cur.topic_ids[q_topic]}
        self._event(lr.user, sid, "question_view", view, t)
        hint = d.uniform() < 0.12
        prior = lr.attempts.get(q_topic, 0)
        away = day - lr.last_day.get(q_topic, day)
        logit = (
            0.2
            + lr.ability
            - cur.question_difficulty[q]
            + 0.5 * math.log1p(prior)
            - 0.04 * min(away, 30)
            + (0.9 if seen else 0.0)
            + (0.3 if hint else 0.0)
        )
        correct = d.uniform() < 1.0 / (1.0 + math.exp(-logit))
        seconds = d.lognormal(35.0 * math.exp(0.15 * cur.question_difficulty[q]), 0.6)
        if d.uniform() < 0.004:
            seconds = d.between(1800.0, 3600.0)  # walked away from the screen
        seconds = round(min(seconds, 3600.0), 1)
        answered = t + seconds * 1000
        answer = cur.question_answer[q]
        if correct:
            selected: str | None = answer
        else:
            wrong = [a for a in ANSWERS if a != answer]
            selected = wrong[d.below(4)] if d.uniform() < 0.98 else None
        confidence = min(
            5, max(1, round(3 + (0.8 if correct else -0.8) + 0.5 * lr.ability + 0.8 * d.normal()))
        )
        values = (
            lr.user,
            -1 if d.uniform() < 0.03 else sid,
            q,
            selected,
            correct,
            seconds,
            None if d.uniform() < 0.05 else confidence,
            hint,
            int(answered),
        )
        for col, value in zip(self.qa, values, strict=True):
            col.append(value)
        lr.attempts[q_topic] = prior + 1
        lr.last_day[q_topic] = day
        if topic not in lr.studied:
            lr.studied.append(topic)
        t = answered
        gained = 0
        if correct:
            gained = 15 if not hint and confidence >= 4 else 10
            t += 1_000
            self._event(lr.user, sid, "xp_earned", {"xp": gained, "reason": "correct_answer"}, t)
        elif d.uniform() < 0.3:
            t += 3_000
            props = {
                "topic_id": cur.topic_ids[q_topic],
                "question_id": qid,
                "prompt_chars": 20 + d.below(400),
            }
            self._event(lr.user, sid, "ai_coach_ask", props, t)
            t += d.between(30_000, 120_000)
        return t + d.between(2_000, 20_000), gained


def simulate_learning(
    rng: np.random.Generator,
    pop: Population,
    cur: Curriculum,
    active: np.ndarray,
    period: Period,
) -> LearningRows:
    """Study sessions of every learner on a share of their active days."""
    sim = _Simulator(rng, pop, cur)
    for user in np.flatnonzero(pop.learner).tolist():
        days = np.flatnonzero(active[user])
        study = days[rng.random(len(days)) < STUDY_DAY_SHARE].tolist()
        if study:
            sim.learner(user, study, period)
    session_ids = uuids(rng, sim.sessions)
    return LearningRows(
        study_events=_study_event_rows(rng, sim, session_ids, period),
        question_attempts=_attempt_rows(rng, sim, session_ids, period),
        material_interactions=_interaction_rows(rng, sim, session_ids, period),
    )


def _kept(pop: Population, users: list[int], ms: list[int], period: Period) -> np.ndarray:
    """Positions of events inside the period and before the user's deletion request."""
    ms_arr = np.asarray(ms, dtype=np.int64)
    deleted = pop.deleted_ms[np.asarray(users, dtype=np.int64)] if users else np.array([])
    keep = (ms_arr < period.end_ms) & ((deleted < 0) | (ms_arr < deleted))
    return np.flatnonzero(keep)


def _study_event_rows(
    rng: np.random.Generator, sim: _Simulator, session_ids: list[str], period: Period
) -> EventRows:
    users, sessions, kinds, props, ms = sim.se
    keep = _kept(sim.pop, users, ms, period)
    ids = uuids(rng, len(keep))
    times = np.asarray(ms, dtype=np.int64)[keep]
    stamps = format_ts(times, pick_styles(rng, len(keep)))
    pop = sim.pop
    payloads: list[dict[str, Any]] = []
    for k, i in enumerate(keep.tolist()):
        u = users[i]
        row = {
            "event_id": ids[k],
            "user_id": pop.user_ids[u],
            "workspace_id": pop.workspace_ids[pop.user_ws[u]],
            "session_id": session_ids[sessions[i]],
            "event_type": kinds[i],
            "properties": props[i],
            "occurred_at": stamps[k],
        }
        if props[i] is None:
            del row["properties"]
        payloads.append(row)
    return EventRows.on_event_day(payloads, times)


def _attempt_rows(
    rng: np.random.Generator, sim: _Simulator, session_ids: list[str], period: Period
) -> EventRows:
    users, sessions, questions, selected, correct, seconds, confidence, hint, ms = sim.qa
    keep = _kept(sim.pop, users, ms, period)
    ids = uuids(rng, len(keep))
    times = np.asarray(ms, dtype=np.int64)[keep]
    stamps = format_ts(times, pick_styles(rng, len(keep)))
    omit_hint = (rng.random(len(keep)) < 0.1).tolist()
    pop, cur = sim.pop, sim.cur
    payloads: list[dict[str, Any]] = []
    for k, i in enumerate(keep.tolist()):
        u, q = users[i], questions[i]
        row = {
            "attempt_id": ids[k],
            "user_id": pop.user_ids[u],
            "workspace_id": pop.workspace_ids[pop.user_ws[u]],
            "session_id": session_ids[sessions[i]] if sessions[i] >= 0 else None,
            "question_id": cur.question_ids[q],
            "topic_id": cur.topic_ids[cur.question_topic[q]],
            "selected_answer": selected[i],
            "correct_answer": cur.question_answer[q],
            "is_correct": correct[i],
            "time_to_answer_seconds": seconds[i],
            "confidence_level": confidence[i],
            "hint_used": None if omit_hint[k] and not hint[i] else hint[i],
            "answered_at": stamps[k],
        }
        # This source leaves optional empty fields out instead of writing null.
        payloads.append({key: value for key, value in row.items() if value is not None})
    return EventRows.on_event_day(payloads, times)


def _interaction_rows(
    rng: np.random.Generator, sim: _Simulator, session_ids: list[str], period: Period
) -> EventRows:
    users, sessions, materials, kinds, durations, progress, ms = sim.mi
    keep = _kept(sim.pop, users, ms, period)
    ids = uuids(rng, len(keep))
    times = np.asarray(ms, dtype=np.int64)[keep]
    stamps = format_ts(times, pick_styles(rng, len(keep)))
    pop, cur = sim.pop, sim.cur
    payloads: list[dict[str, Any]] = []
    for k, i in enumerate(keep.tolist()):
        u, m = users[i], materials[i]
        payloads.append(
            {
                "interaction_id": ids[k],
                "user_id": pop.user_ids[u],
                "workspace_id": pop.workspace_ids[pop.user_ws[u]],
                "session_id": session_ids[sessions[i]] if sessions[i] >= 0 else None,
                "material_id": cur.material_ids[m],
                "topic_id": cur.topic_ids[cur.material_topic[m]],
                "interaction_type": kinds[i],
                "duration_seconds": durations[i],
                "progress_pct": progress[i],
                "occurred_at": stamps[k],
            }
        )
    return EventRows.on_event_day(payloads, times)
