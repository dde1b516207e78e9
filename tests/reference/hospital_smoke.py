"""Smoke run of the hospital reference on generated data (not a test module: run
by hand, `python -m tests.reference.hospital_smoke`): fill a small sample
hospital on a scratch embedded server, apply a day of changes, extract it into a
warehouse database (for the quarantine), and compute every table of the
reference at an as-of date. No comparison with dbt. Prints rows per table and
the small-cell checker's findings on the exact figures published as they are
(every primary small cell, which shows the checker runs on real shapes), then
on the reference suppression (`small_cells.suppress`)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date

import pandas as pd
import psycopg2

from . import hospital, small_cells


def sample(patients: int = 300, days: int = 45, seed: int = 5) -> tuple[dict, dict]:
    """A freshly filled hospital (a day of changes applied) extracted into the
    configured warehouse: (its operational tables, the quarantined rows)."""
    from analytics_pipeline import warehouse
    from analytics_pipeline.ingest.extract.hospital import extract_hospital
    from analytics_pipeline.sample_data.hospital import apply_changes, fill

    url = warehouse.database_url(f"hospital_{uuid.uuid4().hex[:8]}")
    fill(url, departments=4, doctors=10, patients=patients, days=days, seed=seed)
    apply_changes(url, seed=seed + 1, fraction=0.05)
    extract_hospital(url)
    with psycopg2.connect(**warehouse.libpq_params(url)) as conn:
        tables = hospital.read_operational(conn)
    with warehouse.connect(warehouse.Role.ADMIN) as conn:
        quarantined = hospital.read_quarantined(conn)
    return tables, quarantined


def smoke(tables: dict, quarantined: dict, as_of: date = date(2026, 9, 30)) -> dict:
    """The reference's frames (and KPIs) as of `as_of`."""
    started = time.monotonic()
    inp = hospital.prepare(tables, quarantined, as_of)
    frames = hospital.all_tables(inp)
    frames["hospital_kpis"] = hospital.hospital_kpis(inp)
    print(f"reference computed in {time.monotonic() - started:.1f}s", file=sys.stderr)
    print(f"quarantined rows: { {t: len(ids) for t, ids in quarantined.items()} }")
    return frames


def unsuppressed(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The exact figures published as they are (no cell suppressed)."""
    return {
        name: frame[hospital.published_columns(name, frame)].assign(suppressed_columns="[]")
        for name, frame in frames.items()
        if name in hospital.EXTRA
    }


def main() -> None:
    from analytics_pipeline import warehouse

    home = tempfile.mkdtemp(prefix="hospital_smoke_")
    os.environ["ANALYTICS_HOME"] = home
    os.environ["ANALYTICS_PG_DURABLE"] = "0"
    os.environ["ANALYTICS_WAREHOUSE_DB"] = f"smoke_{uuid.uuid4().hex[:8]}"
    for key in ("ANALYTICS_DATABASE_URL", "ANALYTICS_HOSPITAL_DATABASE_URL"):
        os.environ.pop(key, None)
    try:
        warehouse.warehouse_url(warehouse.Role.ADMIN)
        tables, quarantined = sample()
        if len(sys.argv) > 1:  # a path: keep the inputs for a look
            pd.to_pickle((tables, quarantined), sys.argv[1])
        frames = smoke(tables, quarantined)
        for name, frame in frames.items():
            print(f"{name:32} {len(frame):6d}")
        exact = {name: frame for name, frame in frames.items() if name in hospital.EXTRA}
        found = small_cells.violations(exact, unsuppressed(exact))
        rules = Counter(line.split(": ")[1] for line in found)
        print(f"small cells, published unsuppressed: {dict(rules)}")
        published = small_cells.suppress(exact)
        hidden = {
            n: int(f["suppressed_columns"].map(len).sum())
            if "suppressed_columns" in f  # the KPIs have none: their new nulls
            else int((f.isna() & exact[n][f.columns].notna()).values.sum())
            for n, f in published.items()
        }
        print(f"cells the reference suppression hides: {hidden}")
        found = small_cells.violations(exact, published)
        print(f"small cells, reference suppression: {len(found)} violation(s)")
        for line in found:
            print(f"  {line}")
    finally:
        warehouse.embedded_server().stop()


if __name__ == "__main__":
    main()
