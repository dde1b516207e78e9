"""Entry points for tests: the reference tables of a dataset, and the same tables
read from the warehouse, ready for `compare_frames`.

    expected = reference_tables(summary.files, as_of=date(2026, 9, 30))
    actual = warehouse_table("daily_metrics")
    compare_frames(actual, expected["daily_metrics"], GRAINS["daily_metrics"])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from . import activity, hr, learning, qms
from .compare import compare_frames, frame_differences
from .raw_files import load_dataset

GRAINS: dict[str, list[str]] = {**activity.GRAINS, **learning.GRAINS, **hr.GRAINS, **qms.GRAINS}

__all__ = [
    "GRAINS",
    "compare_frames",
    "frame_differences",
    "reference_tables",
    "warehouse_table",
]


def reference_tables(
    files: Mapping[str, Sequence[Path | str]] | Path | str,
    as_of: date,
    names: Iterable[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Reference tables as of `as_of` from raw contract files: {source: [files in ingest
        order]} (e.g. GenerationSummary.files) or a folder of `<source>/` subfolders (name
        order). `names`: published tables and/or int_ models (default: all). Each family
    (activity, learning, the HR and QMS packs) reads its own sources only when one of its tables
    is asked for."""
    families = (
        (activity, {**activity.TABLES, **activity.INTERMEDIATE}, {}),
        (learning, {**learning.TABLES, **learning.INTERMEDIATE}, {"sources": learning.SOURCES}),
        (hr, {**hr.TABLES, **hr.INTERMEDIATE}, {"sources": hr.SOURCES, "versions": hr.VERSIONED}),
        (
            qms,
            {**qms.TABLES, **qms.INTERMEDIATE},
            {"sources": qms.SOURCES, "versions": qms.VERSIONED},
        ),
    )
    wanted = list(names) if names else [n for _, b, _ in families for n in b]
    tables: dict[str, pd.DataFrame] = {}
    for family, builders, load_args in families:
        mine = [name for name in wanted if name in builders]
        if mine:
            inputs = family.prepare(load_dataset(files, **load_args), as_of)
            tables.update({name: builders[name](inputs) for name in mine})
    unknown = [name for name in wanted if name not in tables]
    if unknown:
        raise KeyError(f"no reference for {unknown}")
    return {name: tables[name] for name in wanted}


def warehouse_table(name: str, schema: str | None = None) -> pd.DataFrame:
    """All rows of a table of the warehouse (schema `intermediate` for int_ models,
    else `analytics`), as returned by psycopg2 (Decimal, date, datetime, dict)."""
    from analytics_pipeline import warehouse

    schema = schema or ("intermediate" if name.startswith("int_") else "analytics")
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(f'select * from "{schema}"."{name}"')
        columns = [d.name for d in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=columns)
    if name == "int_sessions" and "session_key" in frame:
        frame = frame.drop(columns="session_key")  # an md5 surrogate; not recomputed here
    return frame


def preview_frame(markdown: str) -> pd.DataFrame:
    """The cells of a markdown preview of a materialization, as text."""

    def cells(line: str) -> list[str]:
        inner = line.strip()[1:-1]
        return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]

    lines = markdown.splitlines()
    assert set(lines[1]) <= {"|", "-"}, lines[1]
    return pd.DataFrame([cells(line) for line in lines[2:]], columns=cells(lines[0]))


def significant_digits(text: str) -> int:
    """Significant digits of a number's text with a fraction (0 for integers)."""
    whole, _, fraction = text.lstrip("-").partition(".")
    return len((whole + fraction).lstrip("0")) if fraction else 0


def assert_tables_equal_reference(files, as_of: date, names: Sequence[str]) -> None:
    """Every table of `names` in the warehouse equals the reference computed
    from the raw `files` as of `as_of`; all differences reported at once."""
    expected = reference_tables(files, as_of=as_of, names=names)
    problems = []
    for name in names:
        try:
            compare_frames(warehouse_table(name), expected[name], GRAINS[name])
        except AssertionError as exc:
            problems.append(f"{name}: {str(exc)[:1500]}")
    assert not problems, "\n".join(problems)
