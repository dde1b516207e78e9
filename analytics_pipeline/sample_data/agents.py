"""AI agents per workspace and their runs (a run is sent when it starts and again when it ends)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .delivery import EventRows, RowBatch
from .ids import prefixed_ids, uuids
from .layout import INITIAL, updates_label
from .period import DAY_MS, HOUR_MS, Period, day_label
from .population import Population
from .timestamps import format_nullable, format_ts, pick_styles

AGENT_NAMES = (
    "Support Triage",
    "Report Writer",
    "Data Cleaner",
    "Onboarding Assistant",
    "Study Coach",
    "Case Summarizer",
    "SQL Helper",
    "Meeting Notes",
    "Quality Auditor",
    "Flashcard Builder",
)
MODELS = ("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "claude-3-haiku", "llama-3.1-70b")
CREDITS_PER_1K_TOKENS = np.array([2.5, 0.15, 3.0, 0.25, 0.6])
MEDIAN_RUNTIME_S = np.array([18.0, 6.0, 22.0, 5.0, 12.0])
TOKENS_PER_SECOND = np.array([90.0, 160.0, 80.0, 180.0, 120.0])
ERROR_TYPES = (
    "timeout",
    "rate_limited",
    "tool_error",
    "context_length_exceeded",
    "invalid_output",
    "upstream_unavailable",
)
STATUSES = ("completed", "failed", "cancelled")
STATUS_P = (0.885, 0.08, 0.035)


@dataclass
class AgentCatalog:
    ids: list[str]
    ws: np.ndarray
    names: list[str]
    created_ms: np.ndarray
    model: np.ndarray  # preferred model (MODELS index)
    weight: np.ndarray  # popularity within the workspace
    renames: list[tuple[int, int, str]]  # (agent, ms, new name)


@dataclass
class Runs:
    """Runs triggered by `agent_run` activity events (one run per event)."""

    run_ids: list[str]
    agent_ids: list[str]
    rows: EventRows


def build_agents(rng: np.random.Generator, pop: Population, period: Period) -> AgentCatalog:
    """3-6 agents per workspace; most exist before the period, some are added during it."""
    ws, names, created, model, weight = [], [], [], [], []
    for w in range(len(pop.workspace_ids)):
        n = int(rng.integers(3, 7))
        picked = rng.choice(len(AGENT_NAMES), n, replace=False).tolist()
        lo = int(pop.workspace_created_ms[w]) + DAY_MS
        for rank, name_idx in enumerate(picked):
            at = int(rng.integers(lo, period.start_ms - DAY_MS))
            if rank == n - 1 and n >= 4:
                day = int(rng.integers(period.days // 4, 3 * period.days // 4 + 1))
                at = int(period.day_ms(day)) + int(rng.integers(9 * HOUR_MS, 17 * HOUR_MS))
            ws.append(w)
            names.append(AGENT_NAMES[name_idx])
            created.append(at)
            model.append(int(rng.integers(0, len(MODELS))))
            weight.append(1.0 / (rank + 1))
    catalog = AgentCatalog(
        ids=prefixed_ids(rng, "agt_", len(ws), width=8),
        ws=np.array(ws),
        names=names,
        created_ms=np.array(created, dtype=np.int64),
        model=np.array(model),
        weight=np.array(weight),
        renames=[],
    )
    at = int(period.day_ms(min(period.days // 2 + 3, period.days - 1))) + 14 * HOUR_MS
    catalog.renames.append((0, at, f"{catalog.names[0]} v2"))
    return catalog


def agent_versions(
    rng: np.random.Generator, catalog: AgentCatalog, pop: Population, period: Period
) -> RowBatch:
    """Agent rows: created before the period in the initial file, the rest as updates."""
    versions = [(a, int(catalog.created_ms[a]), catalog.names[a]) for a in range(len(catalog.ids))]
    versions += catalog.renames
    styles = pick_styles(rng, len(versions))
    agents = np.array([v[0] for v in versions])
    created = format_ts(catalog.created_ms[agents], styles)
    updated = format_ts(np.array([v[1] for v in versions], dtype=np.int64), styles)
    batch = RowBatch()
    for k, (a, at, name) in enumerate(versions):
        row = {
            "agent_id": catalog.ids[a],
            "workspace_id": pop.workspace_ids[catalog.ws[a]],
            "name": name,
            "created_at": created[k],
            "updated_at": updated[k],
        }
        label = INITIAL if at < period.start_ms else updates_label(day_label(at // DAY_MS))
        batch.add(label, at, row)
    return batch


def _pick_agents(
    rng: np.random.Generator, catalog: AgentCatalog, run_ws: np.ndarray, started: np.ndarray
) -> np.ndarray:
    """An agent of the run's workspace, by popularity, that already existed."""
    agent = np.empty(len(run_ws), dtype=np.int64)
    for w in np.unique(run_ws).tolist():
        runs = np.flatnonzero(run_ws == w)
        own = np.flatnonzero(catalog.ws == w)
        p = catalog.weight[own] / catalog.weight[own].sum()
        chosen = own[rng.choice(len(own), size=len(runs), p=p)]
        oldest = own[np.argmin(catalog.created_ms[own])]
        agent[runs] = np.where(catalog.created_ms[chosen] <= started[runs], chosen, oldest)
    return agent


def simulate_runs(
    rng: np.random.Generator,
    catalog: AgentCatalog,
    pop: Population,
    period: Period,
    event_user: np.ndarray,
    event_ms: np.ndarray,
) -> Runs:
    """One run per `agent_run` event: skewed runtimes, model prices, failures and
    cancellations; sent as `running` first (mostly) and again with the final status."""
    n = len(event_user)
    run_ids = uuids(rng, n)
    ws = pop.user_ws[event_user]
    started = np.asarray(event_ms, dtype=np.int64) + rng.integers(200, 3000, n)
    agent = _pick_agents(rng, catalog, ws, started)
    model = np.where(rng.random(n) < 0.8, catalog.model[agent], rng.integers(0, len(MODELS), n))
    no_model = rng.random(n) < 0.03

    status = rng.choice(len(STATUSES), size=n, p=STATUS_P)
    runtime = np.exp(np.log(MEDIAN_RUNTIME_S[model]) + rng.normal(0.0, 1.0, n))
    runtime *= np.select([status == 1, status == 2], [0.6, 0.4], 1.0)
    runtime = np.round(np.maximum(runtime, 0.2), 3)
    tokens = np.round(runtime * TOKENS_PER_SECOND[model] * rng.lognormal(0.0, 0.3, n)) + 150
    tokens = np.where(status == 0, tokens, np.round(tokens * rng.uniform(0.1, 0.9, n)))
    credits = np.round(tokens / 1000.0 * CREDITS_PER_1K_TOKENS[model], 4)
    ended = started + np.round(runtime * 1000).astype(np.int64)

    # A few runs hang at the end of the period: they never finish within it.
    last_day = np.flatnonzero(started >= period.end_ms - DAY_MS)
    if len(last_day):
        hung = rng.choice(last_day, min(3, len(last_day)), replace=False)
        ended[hung] = period.end_ms + rng.integers(HOUR_MS, 30 * HOUR_MS, len(hung))
    final_updated = ended + rng.integers(500, 20_000, n)

    error = np.where(
        (status == 1) & (rng.random(n) < 0.9), rng.integers(0, len(ERROR_TYPES), n), -1
    )
    rating_p = np.where(status == 0, 0.25, np.where(status == 1, 0.1, 0.0))
    rated = rng.random(n) < rating_p
    rating = np.where(
        status == 0,
        rng.choice(5, size=n, p=[0.05, 0.07, 0.15, 0.33, 0.40]) + 1,
        rng.integers(1, 3, n),
    )

    # The final version mostly arrives the day the run ends, sometimes the next day.
    start_day = started // DAY_MS
    final_sent = final_updated < period.end_ms
    final_day = np.minimum(final_updated // DAY_MS + (rng.random(n) < 0.25), period.end_day)
    running_sent = (rng.random(n) < 0.75) | ~final_sent

    # Rows: first all running versions, then all final versions.
    run_idx = np.concatenate([np.flatnonzero(running_sent), np.flatnonzero(final_sent)])
    is_final = np.concatenate(
        [np.zeros(int(running_sent.sum()), bool), np.ones(int(final_sent.sum()), bool)]
    )
    updated_ms = np.where(is_final, final_updated[run_idx], started[run_idx])
    styles = pick_styles(rng, len(run_idx))
    started_txt = format_ts(started[run_idx], styles)
    ended_txt = format_nullable(ended[run_idx], styles, is_final)
    updated_txt = format_ts(updated_ms, styles)

    payloads: list[dict] = []
    for k, (r, final) in enumerate(zip(run_idx.tolist(), is_final.tolist(), strict=True)):
        st = int(status[r])
        row = {
            "run_id": run_ids[r],
            "agent_id": catalog.ids[agent[r]],
            "workspace_id": pop.workspace_ids[ws[r]],
            "user_id": pop.user_ids[event_user[r]],
            "status": STATUSES[st] if final else "running",
            "started_at": started_txt[k],
            "ended_at": ended_txt[k],
            "runtime_seconds": float(runtime[r]) if final else None,
            "credits_consumed": float(credits[r]) if final else None,
            "model": None if no_model[r] else MODELS[model[r]],
            "tokens_used": int(tokens[r]) if final else None,
            "error_type": ERROR_TYPES[error[r]] if final and error[r] >= 0 else None,
            "user_rating": int(rating[r]) if final and rated[r] else None,
            "updated_at": updated_txt[k],
        }
        payloads.append(row)
    send_day = np.where(is_final, final_day[run_idx], start_day[run_idx])
    rows = EventRows(payloads, send_day, updated_ms)
    return Runs(run_ids=run_ids, agent_ids=[catalog.ids[a] for a in agent.tolist()], rows=rows)
