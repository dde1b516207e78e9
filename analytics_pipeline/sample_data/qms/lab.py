"""The laboratory (LIMS): samples received on working days and their test results
with the specification limits they were judged against. Some limits are
one-sided (a null lower or upper limit), some tests give no value, a few
values fall outside the limits (out of specification), the instrument's or
analyst's `oos_flag` is sometimes missing and occasionally disagrees with the
limits, and a corrected result arrives later as a new version.

Planted: a value exactly on a limit (in specification), a flag that disagrees
with the limits, and results whose sample never arrives in qms_lab_samples."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ids import prefixed_ids
from ..period import DAY_MS, HOUR_MS, MINUTE_MS, Period
from .clock import day_scale, iso, pick_style, work_moment
from .organization import Organization
from .versions import Versions


@dataclass(frozen=True)
class Test:
    target: float
    spread: float
    lower: float | None
    upper: float | None
    unit: str
    decimals: int
    skewed: bool = False  # counts: lognormal around the target


TESTS = {
    "ASSAY": Test(100.0, 1.7, 95.0, 105.0, "%", 1),
    "PH": Test(7.0, 0.17, 6.5, 7.5, "pH", 2),
    "MOISTURE": Test(0.3, 0.08, None, 0.5, "%", 2),
    "TAMC": Test(12.0, 1.0, None, 100.0, "CFU/g", 0, skewed=True),
    "DISSOLUTION": Test(88.0, 3.2, 80.0, None, "%", 1),
    "IMPURITY_A": Test(0.08, 0.04, None, 0.2, "%", 3),
    "VISCOSITY": Test(450.0, 18.0, 400.0, 500.0, "mPa.s", 0),
}
SAMPLE_TESTS = {
    "RAW_MATERIAL": ("ASSAY", "MOISTURE", "TAMC"),
    "IN_PROCESS": ("PH", "VISCOSITY"),
    "FINISHED_PRODUCT": ("ASSAY", "DISSOLUTION", "IMPURITY_A", "TAMC"),
    "STABILITY": ("ASSAY", "IMPURITY_A", "DISSOLUTION"),
    "WATER": ("TAMC", "PH"),
}
SAMPLE_MIX = (0.25, 0.3, 0.25, 0.1, 0.1)
SAMPLES_PER_DEPARTMENT_DAY = 1.2
HISTORY_DAYS = 5  # samples received shortly before the period have results in it
NO_VALUE, NO_FLAG, WRONG_FLAG, CORRECTED, ORPHANED = 0.03, 0.06, 0.006, 0.04, 0.01


@dataclass
class Lab:
    samples: Versions
    results: Versions


def _value(rng: np.random.Generator, test: Test) -> float:
    if test.skewed:
        value = rng.lognormal(np.log(test.target), test.spread)
    else:
        value = rng.normal(test.target, test.spread)
        if rng.random() < 0.03:  # an excursion: out of specification more often than not
            value += test.spread * 3.5 * (1 if rng.random() < 0.5 else -1)
    value = max(0.0, float(value))
    return round(value, test.decimals) if test.decimals else float(round(value))


def _out(test: Test, value: float | None) -> bool | None:
    if value is None:
        return None
    return (test.lower is not None and value < test.lower) or (
        test.upper is not None and value > test.upper
    )


def simulate_lab(rng: np.random.Generator, org: Organization, period: Period) -> Lab:
    samples, results = Versions(period.end_ms), Versions(period.end_ms)
    received: list[tuple[int, int | None, str | None]] = []  # (ms, department, type)
    types = list(SAMPLE_TESTS)
    for day in range(period.start_day - HISTORY_DAYS, period.end_day + 1):
        ms = day * DAY_MS + 12 * HOUR_MS
        weights = org.weights(ms)
        rate = SAMPLES_PER_DEPARTMENT_DAY * len(weights) * day_scale(day)
        for _ in range(int(rng.poisson(rate))):
            department = None if rng.random() < 0.08 else int(rng.choice(len(weights), p=weights))
            received.append(
                (work_moment(rng, day), department, str(rng.choice(types, p=SAMPLE_MIX)))
            )
    sample_ids = prefixed_ids(rng, "smp_", len(received), width=10)
    tested = []
    for k, (at, department, sample_type) in enumerate(received):
        style = pick_style(rng)
        row = {
            "sample_id": sample_ids[k],
            "department_id": None if department is None else org.departments[department].id,
            "sample_type": None if rng.random() < 0.03 else sample_type,
            "received_at": iso(at, style),
            "updated_at": iso(at, style),
        }
        # A sample the LIMS never exported: its results arrive, it does not.
        if k != len(received) // 2 and rng.random() >= ORPHANED:
            samples.add(at, row)
            if rng.random() < 0.05:  # the type corrected at login review
                fixed = at + int(rng.integers(HOUR_MS, 2 * DAY_MS))
                samples.add(
                    fixed, {**row, "sample_type": sample_type, "updated_at": iso(fixed, style)}
                )
        tested.append((row["sample_id"], at, sample_type))
    _results(rng, tested, results)
    return Lab(samples, results)


def _results(
    rng: np.random.Generator, tested: list[tuple[str, int, str]], results: Versions
) -> None:
    plans = []
    for sample_id, at, sample_type in tested:
        turnaround = rng.lognormal(np.log(20 * HOUR_MS), 0.8)
        for code in SAMPLE_TESTS[sample_type]:
            plans.append(
                (sample_id, code, at + int(turnaround) + int(rng.integers(0, 3 * HOUR_MS)))
            )
    ids = prefixed_ids(rng, "res_", len(plans), width=12)
    for i, (sample_id, code, resulted) in enumerate(plans):
        test = TESTS[code]
        value = None if rng.random() < NO_VALUE else _value(rng, test)
        if i == 3:  # exactly on a limit: in specification
            value = test.upper if test.upper is not None else test.lower
        flag = _out(test, value)
        r = rng.random()
        if value is not None and (i == 5 or r < WRONG_FLAG):
            flag = not flag  # the analyst's call differs from the limits
        elif r < WRONG_FLAG + NO_FLAG:
            flag = None
        style = pick_style(rng)
        row = {
            "result_id": ids[i],
            "sample_id": sample_id,
            "test_code": code,
            "result_value": value,
            "spec_lower": test.lower,
            "spec_upper": test.upper,
            "unit": test.unit,
            "oos_flag": flag,
            "resulted_at": iso(resulted, style),
            "updated_at": iso(resulted, style),
        }
        results.add(resulted, row)
        out = _out(test, value)
        if value is not None and (rng.random() < CORRECTED or (out and rng.random() < 0.4)):
            # A corrected value (a transcription error, an invalidated out-of-spec retested).
            fixed = (
                resulted
                + int(rng.integers(2 * HOUR_MS, 4 * DAY_MS))
                + int(rng.integers(0, MINUTE_MS))
            )
            new = test.target if out else _value(rng, test)
            new = round(new, test.decimals) if test.decimals else float(round(new))
            results.add(
                fixed,
                {
                    **row,
                    "result_value": new,
                    "oos_flag": _out(test, new),
                    "updated_at": iso(fixed, style),
                },
            )
