"""generate_sample: a deterministic sample of every raw source, written as files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from analytics_pipeline.ingest.contract import PACKS, SOURCES, pack_sources

from .accounts import user_versions, workspace_versions
from .activity import AGENT_RUN, simulate_activity
from .activity_rows import simulated_activity_rows
from .agents import agent_versions, build_agents, simulate_runs
from .bad_rows import LAST_LINE, TEXT_TIMESTAMPS, allocate, applicable_kinds, make_bad_row
from .curriculum import build_curriculum, material_versions, relationship_rows, topic_versions
from .delivery import EventRows, RowBatch, schedule_events
from .hr import STAGES as HR_STAGES
from .hr import simulate_hr
from .layout import file_format, file_path, updates_label
from .learning import simulate_learning
from .mongo_files import mongo_bytes
from .period import Period, day_label
from .population import build_population
from .qms import DUPLICATE_SHARE as QMS_DUPLICATE_SHARE
from .qms import LATE_SHARE as QMS_LATE_SHARE
from .qms import STAGES as QMS_STAGES
from .qms import simulate_qms
from .summary import GenerationSummary
from .writers import csv_bytes, jsonl_bytes, parquet_bytes, write_file

MANIFEST = "_manifest.json"
_LAST = 1 << 62  # position key that sorts after every row of a file
_STAGES = (
    "population", "accounts", "curriculum", "agents", "activity", "activity_rows", "runs",
    "learning", "delivery", "bad_rows",
)  # fmt: skip
# The packs' streams come after the core's, all spawned whichever packs are asked
# for: the core's streams (and bytes) do not depend on the packs.
_PACK_STAGES = {
    "hr": (*HR_STAGES, "hr_delivery", "hr_bad_rows"),
    "qms": (*QMS_STAGES, "qms_delivery", "qms_bad_rows"),
}
_ALL_STAGES = _STAGES + tuple(stage for stages in _PACK_STAGES.values() for stage in stages)
# The packs whose sample is files; the others' is a database of their own
# (the hospital's: sample_data.hospital, extracted by `analytics-pipeline extract`).
FILE_PACKS: tuple[str, ...] = tuple(pack for pack in PACKS if pack in _PACK_STAGES)


def _validate(
    workspaces: int, users: int, days: int, bad_rows: float, packs: Sequence[str]
) -> None:
    unknown = [pack for pack in packs if pack not in PACKS]
    if unknown:
        raise ValueError(f"unknown pack {unknown[0]!r}; packs are: {', '.join(PACKS)}")
    databases = [pack for pack in packs if pack not in FILE_PACKS]
    if databases:
        raise ValueError(
            f"the {databases[0]} pack's sample is a database, not files: "
            f"`analytics-pipeline demo` fills and extracts it; file packs: {', '.join(FILE_PACKS)}"
        )
    if workspaces < 1:
        raise ValueError("workspaces must be at least 1")
    if users < 2 * workspaces:
        raise ValueError("users must be at least twice the number of workspaces")
    if days < 1:
        raise ValueError("days must be at least 1")
    if not 0.0 <= bad_rows < 1.0:
        raise ValueError("bad_rows is a fraction in [0, 1)")


def _add_bad_rows(
    rng: np.random.Generator, source: str, batch: RowBatch, fraction: float, period: Period
) -> dict[str, int]:
    """Append bad rows (fresh keys) next to random valid rows of the source's files.
    A source without valid rows (tiny samples) gets none: there is no row to imitate."""
    labels = sorted(set(batch.labels))
    if not labels:
        return {}
    file_kind = file_format(source, labels[0]).kind
    counts = allocate(
        rng, applicable_kinds(SOURCES[source], file_kind), fraction, len(batch), len(labels)
    )
    n_valid = len(batch)
    text_ts = [i for i, lb in enumerate(batch.labels) if not file_format(source, lb).typed_ts]
    seq = 0
    for kind, count in counts.items():
        last_labels = [labels[i] for i in rng.permutation(len(labels)).tolist()]
        for n in range(count):
            j = int(rng.integers(n_valid))
            key = f"bad-{source}-{seq:05d}"
            seq += 1
            payload, placement = make_bad_row(
                kind, SOURCES[source], batch.payloads[j], n, key, file_kind
            )
            if placement == LAST_LINE:
                batch.add(last_labels[n], _LAST, payload)
            elif placement == TEXT_TIMESTAMPS:
                if text_ts:
                    k = text_ts[int(rng.integers(len(text_ts)))]
                    batch.add(batch.labels[k], batch.order[k], payload)
                else:
                    batch.add(updates_label(day_label(period.end_day)), period.end_ms, payload)
            else:
                batch.add(batch.labels[j], batch.order[j], payload)
    return {k: v for k, v in counts.items() if v}


def _write_source(out_dir: Path, source: str, batch: RowBatch) -> list[Path]:
    folder = out_dir / source
    for stale in sorted(folder.glob(f"{source}_*")):
        stale.unlink()  # files of an earlier run with other arguments
    columns = SOURCES[source].column_names
    ts_columns = [c.name for c in SOURCES[source].columns if c.type == "ts"]
    paths = []
    for label, payloads in batch.by_file().items():
        fmt = file_format(source, label)
        if fmt.mongo:
            data = mongo_bytes(SOURCES[source], payloads, fmt.canonical, fmt.kind == "mongo_array")
        elif fmt.kind == "jsonl":
            data = jsonl_bytes(payloads)
        elif fmt.kind == "csv":
            data = csv_bytes(columns, payloads)
        else:
            data = parquet_bytes(columns, ts_columns, payloads, fmt.typed_ts)
        paths.append(write_file(file_path(out_dir, source, label), data, fmt.gzip))
    return sorted(paths)


def generate_sample(
    out_dir: Path,
    *,
    workspaces: int = 3,
    users: int = 300,
    days: int = 60,
    seed: int = 7,
    bad_rows: float = 0.0,
    end_date: date = date(2026, 9, 30),
    packs: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write every core raw source, and those of the domain `packs` (e.g. "hr"), of
    `days` days ending `end_date` under `out_dir/<source>/`, plus
    `out_dir/_manifest.json`. Same arguments, same bytes. `bad_rows` is the fraction
    of invalid rows added per source (at least one of each applicable kind when > 0)."""
    _validate(workspaces, users, days, bad_rows, packs)
    packs = tuple(pack for pack in PACKS if pack in packs)  # contract order, no repeats
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    period = Period.ending(end_date, days)
    rngs = dict(
        zip(
            _ALL_STAGES,
            (
                np.random.default_rng(s)
                for s in np.random.SeedSequence(seed).spawn(len(_ALL_STAGES))
            ),
            strict=True,
        )
    )

    pop = build_population(rngs["population"], workspaces, users, period)
    batches: dict[str, RowBatch] = {
        "workspaces": workspace_versions(rngs["accounts"], pop, period),
        "users": user_versions(rngs["accounts"], pop, period),
    }
    cur = build_curriculum(rngs["curriculum"])
    batches["topics"] = topic_versions(rngs["curriculum"], cur, period)
    batches["topic_relationships"] = relationship_rows(rngs["curriculum"], cur, period)
    batches["materials"] = material_versions(rngs["curriculum"], cur, period)
    catalog = build_agents(rngs["agents"], pop, period)
    batches["agents"] = agent_versions(rngs["agents"], catalog, pop, period)
    say(f"catalog: {workspaces} workspaces, {users} users, {len(cur.topic_ids)} topics")

    sim = simulate_activity(rngs["activity"], pop, period)
    agent_events = np.flatnonzero(sim.event_type == AGENT_RUN)
    runs = simulate_runs(
        rngs["runs"], catalog, pop, period, sim.event_user[agent_events], sim.event_ms[agent_events]
    )
    run_refs = {
        int(pos): (runs.agent_ids[k], runs.run_ids[k])
        for k, pos in enumerate(agent_events.tolist())
    }
    events: dict[str, EventRows] = {
        "user_activity": simulated_activity_rows(rngs["activity_rows"], sim, pop, run_refs),
        "agent_runs": runs.rows,
    }
    say(f"activity: {len(sim.event_ms)} events, {len(agent_events)} agent runs")
    learning = simulate_learning(rngs["learning"], pop, cur, sim.active, period)
    events["study_events"] = learning.study_events
    events["question_attempts"] = learning.question_attempts
    events["material_interactions"] = learning.material_interactions
    say(f"learning: {len(learning.question_attempts.payloads)} question attempts")

    summary = GenerationSummary(
        out_dir=out_dir,
        parameters={
            "workspaces": workspaces,
            "users": users,
            "days": days,
            "seed": seed,
            "bad_rows": bad_rows,
            "start_date": day_label(period.start_day),
            "end_date": end_date.isoformat(),
            "packs": list(packs),
        },
    )
    for source, rows in events.items():
        batches[source], stats = schedule_events(rngs["delivery"], rows, period)
        summary.late_rows[source] = stats.late
        summary.duplicate_rows[source] = stats.duplicates
    if "hr" in packs:
        hr = simulate_hr(rngs, workspaces, users, period)
        batches.update(hr.batches)
        for source, rows in hr.events.items():
            batches[source], stats = schedule_events(rngs["hr_delivery"], rows, period)
            summary.late_rows[source] = stats.late
            summary.duplicate_rows[source] = stats.duplicates
        say(f"hr: {len(batches['hr_organizations'])} organization versions")
    if "qms" in packs:
        qms = simulate_qms(rngs, workspaces, users, period)
        batches.update(qms.batches)
        for source, rows in qms.events.items():
            scheduled, stats = schedule_events(
                rngs["qms_delivery"], rows, period, QMS_LATE_SHARE, QMS_DUPLICATE_SHARE
            )
            batches[source].extend(scheduled)  # after the versions sent before the period
            summary.late_rows[source] = stats.late
            summary.duplicate_rows[source] = stats.duplicates
        say(f"qms: {len(batches['qms_quality_events'])} quality event versions")

    for source in pack_sources(None) + tuple(s for pack in packs for s in pack_sources(pack)):
        batch = batches[source]
        pack = SOURCES[source].pack
        rng = rngs["bad_rows" if pack is None else f"{pack}_bad_rows"]
        summary.bad_rows[source] = (
            _add_bad_rows(rng, source, batch, bad_rows, period) if bad_rows else {}
        )
        summary.files[source] = _write_source(out_dir, source, batch)
        summary.rows_written[source] = len(batch)
        say(f"{source}: {len(batch)} rows in {len(summary.files[source])} files")
    (out_dir / MANIFEST).write_text(summary.to_json())
    return summary


__all__ = ["MANIFEST", "generate_sample"]
