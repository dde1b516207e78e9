"""Reference computations of the quality management pack's published tables
(docs/metrics.md, "Quality management pack (sources: qms_*)"), its drill-through
`qms_kpi_records` and its rows of analytics_metrics (`int_qms_kpis`), as pure
functions over the frames of
`raw_files.load_dataset(files, sources=SOURCES, versions=VERSIONED)`.

Written from the definitions only. Conventions:
- `prepare(data, as_of)`: every record is its newest version whatever its
  `updated_at` (late versions included); document versions and risk assessments
  also keep their whole history (one row per record and `updated_at`: the later
  ingest of a duplicated version), read "in effect at the end of d". Facts whose
  event time (opened_at, assigned_at, resulted_at) is at or after the end of the
  as-of date count nowhere.
- Days are `datetime.date`, a null number is NaN, a ratio with a zero denominator
  is null; counts are ints.
- Each row builder yields, besides its values, the ids behind every count, so the
  tables and `qms_kpi_records` come from the same masks.
- Each table function returns the columns in the order docs/metrics.md lists
  them, grain columns first, sorted by the grain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .activity import day_of, day_range, end_of, percentile_cont, ratio

SOURCES = (
    "qms_departments", "qms_users", "qms_quality_events", "qms_documents",
    "qms_document_versions", "qms_document_review_steps", "qms_training_assignments",
    "qms_lab_samples", "qms_lab_results", "qms_risk_assessments",
)  # fmt: skip
VERSIONED = ("qms_document_versions", "qms_risk_assessments")
UNASSIGNED = "unassigned"  # department of an assignment whose user is not in qms_users
REPEAT_WINDOW = pd.Timedelta(days=90)
HIGH_RPN = 100
NO_DAY = 10**9  # day ordinal of a null date / timestamp: never on or before any day
EVENT_TYPES = {
    "DEVIATION": "open_deviations",
    "CAPA": "open_capas",
    "COMPLAINT": "open_complaints",
    "AUDIT_FINDING": "open_audit_findings",
    "CHANGE_CONTROL": "open_change_controls",
}
SEVERITIES = {"CRITICAL": "critical", "MAJOR": "major", "MINOR": "minor"}
DOCUMENT_STATUSES = {
    "DRAFT": "documents_draft",
    "IN_REVIEW": "documents_in_review",
    "APPROVED": "documents_approved",
    "EFFECTIVE": "documents_effective",
    "OBSOLETE": "documents_obsolete",
}
# record_type of the drill-through rows (docs/tables.md, qms_kpi_records)
EVENT, ASSIGNMENT, DOCUMENT, VERSION = (
    "quality_event", "training_assignment", "document", "document_version",
)  # fmt: skip
RESULT, SAMPLE, RISK = "lab_result", "lab_sample", "risk"


# -- small helpers -----------------------------------------------------------------------


def _naive(ts: pd.Series) -> np.ndarray:
    """tz-aware timestamps as naive UTC datetime64[us] (NaT compares false)."""
    return ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")


def _midnight(day: date) -> np.datetime64:
    return np.datetime64(day, "D").astype("datetime64[us]")


def _ordinals(days: pd.Series) -> np.ndarray:
    """Dates (or None) as day ordinals, NO_DAY for null."""
    return np.array(
        [NO_DAY if v is None or v is pd.NaT or v != v else v.toordinal() for v in days],
        dtype=np.int64,
    )


def _ts_days(ts: pd.Series) -> np.ndarray:
    """UTC day ordinals of timestamps, NO_DAY for null."""
    return _ordinals(day_of(ts).where(ts.notna(), None))


def _ids(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=object)


def _mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def _sorted(frame: pd.DataFrame, columns: Sequence[str], grain: Sequence[str]) -> pd.DataFrame:
    frame = frame if len(frame) else pd.DataFrame(columns=list(columns))
    frame = frame.sort_values(list(grain), na_position="first", kind="stable")
    frame = frame[list(columns)].reset_index(drop=True)
    for column in frame.columns:  # text and dates: None for null
        dtype = frame[column].dtype
        if dtype is np.dtype(object) or isinstance(dtype, pd.StringDtype):
            values = frame[column].astype(object)
            frame[column] = values.where(frame[column].notna(), None)
    return frame


# -- inputs ------------------------------------------------------------------------------


@dataclass
class QmsInputs:
    """The pack's frames as of a date (see module docstring)."""

    as_of: date
    departments: pd.DataFrame
    users: pd.DataFrame
    events: pd.DataFrame  # newest versions, opened by the end of the as-of date
    documents: pd.DataFrame
    versions: pd.DataFrame  # newest version of each document version
    version_history: pd.DataFrame  # one row per (version_id, updated_at), with `valid_until`
    steps: pd.DataFrame
    assignments: pd.DataFrame  # newest, not CANCELLED, assigned by the end of the as-of date
    samples: pd.DataFrame
    results: pd.DataFrame  # newest, resulted by the end of the as-of date
    risks: pd.DataFrame
    risk_history: pd.DataFrame  # one row per (risk_id, updated_at), with `valid_until`
    cache: dict = field(default_factory=dict)

    @property
    def end(self) -> pd.Timestamp:
        return end_of(self.as_of)


def history(versions: pd.DataFrame, key: str) -> pd.DataFrame:
    """A record's raw versions, one per `updated_at` (of duplicates, the later ingest
    and line), each with `valid_until`: the next version's `updated_at` (NaT: none).
    The version in effect at instant t is the one with updated_at < t <= valid_until."""
    ordered = versions.sort_values([key, "updated_at", "_file_rank", "_source_line"], kind="stable")
    ordered = ordered.drop_duplicates([key, "updated_at"], keep="last").reset_index(drop=True)
    following = ordered.groupby(key, sort=False)["updated_at"].shift(-1)
    return ordered.assign(valid_until=following)


def prepare(data: Mapping[str, pd.DataFrame], as_of: date) -> QmsInputs:
    """Inputs of every QMS table as of `as_of`, from `load_dataset` frames."""
    end = end_of(as_of)
    events = data["qms_quality_events"]
    assignments = data["qms_training_assignments"]
    assignments = assignments[
        (assignments["status"] != "CANCELLED") & (assignments["assigned_at"] < end)
    ]
    results = data["qms_lab_results"]
    return QmsInputs(
        as_of=as_of,
        departments=data["qms_departments"],
        users=data["qms_users"],
        events=events[events["opened_at"] < end].reset_index(drop=True),
        documents=data["qms_documents"],
        versions=data["qms_document_versions"],
        version_history=history(data["qms_document_versions__versions"], "version_id"),
        steps=data["qms_document_review_steps"],
        assignments=assignments.reset_index(drop=True),
        samples=data["qms_lab_samples"],
        results=results[results["resulted_at"] < end].reset_index(drop=True),
        risks=data["qms_risk_assessments"],
        risk_history=history(data["qms_risk_assessments__versions"], "risk_id"),
    )


# A built row: (scope, day, measures, {kpi: (record_type, ids counted)})
Row = tuple[dict, date, dict, dict[str, tuple[str, np.ndarray]]]


def _rows(inp: QmsInputs, name: str, build: Callable[[QmsInputs], Iterator[Row]]) -> list[Row]:
    if name not in inp.cache:
        inp.cache[name] = list(build(inp))
    return inp.cache[name]


def _table(rows: list[Row], columns: Sequence[str], grain: Sequence[str]) -> pd.DataFrame:
    out = pd.DataFrame(
        [{**scope, "metric_date": d, **values} for scope, d, values, _ in rows], columns=columns
    )
    return _sorted(out, columns, grain)


# -- quality_kpis ------------------------------------------------------------------------

QUALITY_KEYS = ["department_id", "module", "metric_date"]
QUALITY_KPIS = [
    "department_id", "module", "metric_date",
    "open_events", "open_deviations", "open_capas", "open_complaints", "open_audit_findings",
    "open_change_controls", "open_critical", "open_major", "open_minor", "opened_events",
    "closed_events", "mean_days_to_close_critical", "mean_days_to_close_major",
    "mean_days_to_close_minor", "p90_days_to_close_critical", "p90_days_to_close_major",
    "p90_days_to_close_minor", "capas_closed", "capas_closed_on_time",
    "capa_on_time_closure_rate", "overdue_capas", "repeat_deviations",
]  # fmt: skip


def repeat_deviations(events: pd.DataFrame) -> set[str]:
    """Deviations with a root_cause for which another deviation of the same department
    and root_cause was opened in [opened_at - 90 days, opened_at), or at the same
    instant with a smaller event_id (any module, any status)."""
    deviations = events[(events["event_type"] == "DEVIATION") & events["root_cause"].notna()]
    repeats: set[str] = set()
    for _, group in deviations.groupby(["department_id", "root_cause"], sort=False):
        opened = group["opened_at"].tolist()
        ids = group["event_id"].tolist()
        for i, (at, eid) in enumerate(zip(opened, ids, strict=True)):
            for j, (other, oid) in enumerate(zip(opened, ids, strict=True)):
                if i != j and (at - REPEAT_WINDOW <= other < at or (other == at and oid < eid)):
                    repeats.add(eid)
                    break
    return repeats


def _quality_rows(inp: QmsInputs) -> Iterator[Row]:
    events = inp.events
    repeats = repeat_deviations(events)
    for (dept, module), part in events.groupby(["department_id", "module"], sort=True):
        ids = _ids(part, "event_id")
        opened, closed = _naive(part["opened_at"]), _naive(part["closed_at"])
        opened_day, closed_day = _ts_days(part["opened_at"]), _ts_days(part["closed_at"])
        due = _ordinals(part["due_date"])
        kind, severity = part["event_type"].to_numpy(object), part["severity"].to_numpy(object)
        status_closed = part["status"].to_numpy(object) == "CLOSED"
        days_to_close = (part["closed_at"] - part["opened_at"]).dt.total_seconds() / 86400.0
        days_to_close = days_to_close.to_numpy(dtype=float, na_value=np.nan)
        capa = kind == "CAPA"
        repeat = np.array([eid in repeats for eid in ids], dtype=bool)
        for d in day_range(min(day_of(part["opened_at"])), inp.as_of):
            end, n = _midnight(d + timedelta(days=1)), d.toordinal()
            is_open = (opened < end) & ~(closed < end)
            closed_today = status_closed & (closed_day == n)
            capas_closed = closed_today & capa & (due != NO_DAY)
            on_time = capas_closed & (closed_day <= due)
            masks = {"open_events": is_open}
            masks.update({col: is_open & (kind == k) for k, col in EVENT_TYPES.items()})
            masks.update({f"open_{s}": is_open & (severity == k) for k, s in SEVERITIES.items()})
            masks["opened_events"] = opened_day == n
            masks["closed_events"] = closed_today
            values: dict = {}
            for stat in ("mean", "p90"):
                for k, s in SEVERITIES.items():
                    spans = days_to_close[closed_today & (severity == k)]
                    values[f"{stat}_days_to_close_{s}"] = (
                        _mean(spans) if stat == "mean" else percentile_cont(spans, 0.9)
                    )
            masks["capas_closed"] = capas_closed
            masks["capas_closed_on_time"] = on_time
            masks["overdue_capas"] = capa & is_open & (due <= n)
            masks["repeat_deviations"] = repeat & (opened_day == n)
            values.update({kpi: int(mask.sum()) for kpi, mask in masks.items()})
            values["capa_on_time_closure_rate"] = ratio(
                values["capas_closed_on_time"], values["capas_closed"]
            )
            records = {kpi: (EVENT, ids[mask]) for kpi, mask in masks.items()}
            yield {"department_id": dept, "module": module}, d, values, records


def quality_kpis(inp: QmsInputs) -> pd.DataFrame:
    """quality_kpis: each (department, module) with an event, per day from its first."""
    return _table(_rows(inp, "quality_kpis", _quality_rows), QUALITY_KPIS, QUALITY_KEYS)


# -- training_compliance and training_overdue -------------------------------------------

TRAINING_KEYS = ["department_id", "metric_date"]
TRAINING_COMPLIANCE = [
    "department_id", "metric_date", "assigned", "completed", "completed_on_time", "overdue",
    "due_90d", "compliant_90d", "compliance_rate", "average_score",
]  # fmt: skip
OVERDUE_KEYS = ["as_of_date", "assignment_id"]
TRAINING_OVERDUE = [
    "as_of_date", "department_id", "user_id", "assignment_id", "course_id",
    "document_version_id", "assigned_at", "due_date", "days_overdue",
]  # fmt: skip
COMPLIANCE_DAYS = 90


def assignment_departments(inp: QmsInputs) -> pd.DataFrame:
    """The counted assignments with their user's department (`unassigned`: unknown user)."""
    department = dict(zip(inp.users["user_id"], inp.users["department_id"], strict=True))
    users = inp.assignments["user_id"]
    return inp.assignments.assign(department_id=[department.get(u, UNASSIGNED) for u in users])


def _overdue_mask(assigned: np.ndarray, completed: np.ndarray, due: np.ndarray, d: date):
    end = _midnight(d + timedelta(days=1))
    return (assigned < end) & ~(completed < end) & (due <= d.toordinal())


def _training_rows(inp: QmsInputs) -> Iterator[Row]:
    assignments = assignment_departments(inp)
    for dept, part in assignments.groupby("department_id", sort=True):
        ids = _ids(part, "assignment_id")
        assigned, completed = _naive(part["assigned_at"]), _naive(part["completed_at"])
        assigned_day = _ts_days(part["assigned_at"])
        completed_day = _ts_days(part["completed_at"])
        due = _ordinals(part["due_date"])
        score = part["score"].to_numpy(dtype=float, na_value=np.nan)
        for d in day_range(min(day_of(part["assigned_at"])), inp.as_of):
            end, n = _midnight(d + timedelta(days=1)), d.toordinal()
            completed_today = completed_day == n
            due_90d = (assigned < end) & (due >= n - (COMPLIANCE_DAYS - 1)) & (due <= n)
            masks = {
                "assigned": assigned_day == n,
                "completed": completed_today,
                "completed_on_time": completed_today & (completed_day <= due),
                "overdue": _overdue_mask(assigned, completed, due, d),
                "due_90d": due_90d,
                "compliant_90d": due_90d & (completed_day <= due),
            }
            values: dict = {kpi: int(mask.sum()) for kpi, mask in masks.items()}
            values["compliance_rate"] = ratio(values["compliant_90d"], values["due_90d"])
            values["average_score"] = _mean(score[completed_today])
            records = {kpi: (ASSIGNMENT, ids[mask]) for kpi, mask in masks.items()}
            yield {"department_id": dept}, d, values, records


def training_compliance(inp: QmsInputs) -> pd.DataFrame:
    """training_compliance: each department of an assignment's user, per day."""
    rows = _rows(inp, "training_compliance", _training_rows)
    return _table(rows, TRAINING_COMPLIANCE, TRAINING_KEYS)


def training_overdue(inp: QmsInputs) -> pd.DataFrame:
    """training_overdue: the assignments overdue at the end of the as-of date."""
    part = assignment_departments(inp)
    mask = _overdue_mask(
        _naive(part["assigned_at"]),
        _naive(part["completed_at"]),
        _ordinals(part["due_date"]),
        inp.as_of,
    )
    out = part[mask].copy()
    out["as_of_date"] = inp.as_of
    out["days_overdue"] = [(inp.as_of - due).days + 1 for due in out["due_date"]]
    return _sorted(out, TRAINING_OVERDUE, OVERDUE_KEYS)


# -- document_control --------------------------------------------------------------------

DOCUMENT_KEYS = ["department_id", "metric_date"]
DOCUMENT_CONTROL = [
    "department_id", "metric_date", "documents", "documents_draft", "documents_in_review",
    "documents_approved", "documents_effective", "documents_obsolete", "past_periodic_review",
    "reviews_completed", "review_cycle_days_p50", "review_cycle_days_p90",
]  # fmt: skip


def approvals(inp: QmsInputs) -> pd.DataFrame:
    """Per document version with an approval: `approved_at` (latest completed_at of its
    APPROVAL steps decided APPROVED), `cycle_days` (from the earliest assigned_at of
    all its steps) and the department of its document (newest versions)."""
    steps = inp.steps
    approved = steps[
        (steps["step_type"] == "APPROVAL")
        & (steps["decision"] == "APPROVED")
        & steps["completed_at"].notna()
    ]
    out = pd.DataFrame(
        {
            "approved_at": approved.groupby("version_id")["completed_at"].max(),
            "started_at": steps.groupby("version_id")["assigned_at"].min(),
        }
    ).dropna(subset=["approved_at"])
    out["cycle_days"] = (out["approved_at"] - out["started_at"]).dt.total_seconds() / 86400.0
    document = dict(zip(inp.versions["version_id"], inp.versions["document_id"], strict=True))
    department = dict(
        zip(inp.documents["document_id"], inp.documents["department_id"], strict=True)
    )
    out["department_id"] = [department.get(document.get(v)) for v in out.index]
    out = out[out["department_id"].notna()]
    out["approved_day"] = list(day_of(out["approved_at"]))
    return out.rename_axis("version_id").reset_index()


class History:
    """A version history (`history`) as numpy arrays, sorted by `order`: the rows in
    effect at the end of a day as a boolean mask."""

    def __init__(self, hist: pd.DataFrame, order: Sequence[str]):
        self.frame = hist.sort_values(list(order), kind="stable").reset_index(drop=True)
        self.updated = _naive(self.frame["updated_at"])
        self.until = _naive(self.frame["valid_until"])

    def at_end_of(self, day: date) -> np.ndarray:
        end = _midnight(day + timedelta(days=1))
        return (self.updated < end) & ~(self.until < end)  # NaT: still in effect

    def col(self, column: str) -> np.ndarray:
        return self.frame[column].to_numpy(dtype=object)


def last_per_group(groups: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Positions of the masked rows that are the last of their group (rows sorted by
    group): per document, the highest (version_number, version_id)."""
    idx = np.nonzero(mask)[0]
    if idx.size == 0:
        return idx
    keys = groups[idx]
    last = np.ones(idx.size, dtype=bool)
    last[:-1] = keys[:-1] != keys[1:]
    return idx[last]


def _document_rows(inp: QmsInputs) -> Iterator[Row]:
    department = dict(
        zip(inp.documents["document_id"], inp.documents["department_id"], strict=True)
    )
    hist = inp.version_history[inp.version_history["document_id"].isin(department.keys())]
    hist = hist[hist["updated_at"] < inp.end]
    hist = hist.assign(department_id=hist["document_id"].map(department))
    versions = History(hist, ["document_id", "version_number", "version_id", "updated_at"])
    docs, depts = versions.col("document_id"), versions.col("department_id")
    status = versions.col("status")
    review_due = _ordinals(versions.frame["periodic_review_due"])
    effective = status == "EFFECTIVE"
    approved = approvals(inp)
    approved_days = np.array([d.toordinal() for d in approved["approved_day"]], dtype=np.int64)
    approved_depts = _ids(approved, "department_id")
    first = hist.groupby("department_id")["updated_at"].min()
    first_day = dict(zip(first.index, day_of(first), strict=True))
    for d in day_range(min(first_day.values()), inp.as_of) if first_day else []:
        in_effect_now = versions.at_end_of(d)
        current = last_per_group(docs, in_effect_now)
        shown = last_per_group(docs, in_effect_now & effective)
        past_due = shown[review_due[shown] <= d.toordinal()]
        today = approved_days == d.toordinal()
        for dept in sorted(dept for dept, start in first_day.items() if start <= d):
            mine = current[depts[current] == dept]
            records = {"documents": (DOCUMENT, docs[mine])}
            for k, col in DOCUMENT_STATUSES.items():
                records[col] = (DOCUMENT, docs[mine[status[mine] == k]])
            records["past_periodic_review"] = (DOCUMENT, docs[past_due[depts[past_due] == dept]])
            reviewed = approved[today & (approved_depts == dept)]
            records["reviews_completed"] = (VERSION, _ids(reviewed, "version_id"))
            values: dict = {kpi: len(ids) for kpi, (_t, ids) in records.items()}
            cycles = reviewed["cycle_days"].to_numpy(dtype=float)
            values["review_cycle_days_p50"] = percentile_cont(cycles, 0.5)
            values["review_cycle_days_p90"] = percentile_cont(cycles, 0.9)
            yield {"department_id": dept}, d, values, records


def document_control(inp: QmsInputs) -> pd.DataFrame:
    """document_control: each department with a document, per day from its first
    document version's existence."""
    rows = _rows(inp, "document_control", _document_rows)
    return _table(rows, DOCUMENT_CONTROL, DOCUMENT_KEYS)


# -- lab_quality -------------------------------------------------------------------------

LAB_KEYS = ["test_code", "metric_date"]
LAB_QUALITY = [
    "test_code", "metric_date", "results", "samples", "evaluable_results", "oos_results",
    "oos_rate", "flag_mismatches", "turnaround_p50_hours", "turnaround_p90_hours",
]  # fmt: skip


def judged_results(inp: QmsInputs) -> pd.DataFrame:
    """Results with `evaluable`, `oos` (outside a set limit), `mismatch` (an oos_flag
    differing from oos) and `turnaround_hours` (null without the sample)."""
    results = inp.results
    nan = float("nan")

    def number(column: str) -> np.ndarray:
        return results[column].to_numpy(dtype=float, na_value=nan)

    value, lower, upper = number("result_value"), number("spec_lower"), number("spec_upper")
    evaluable = ~np.isnan(value)
    with np.errstate(invalid="ignore"):
        oos = evaluable & ((value < lower) | (value > upper))  # NaN limit: no limit
    flags = results["oos_flag"].astype(object).tolist()
    mismatch = np.array(
        [e and f is not None and f is not pd.NA and bool(f) != o
         for e, f, o in zip(evaluable, flags, oos, strict=True)],
        dtype=bool,
    )  # fmt: skip
    received = dict(zip(inp.samples["sample_id"], inp.samples["received_at"], strict=True))
    hours = [
        (at - received[s]).total_seconds() / 3600.0 if s in received else nan
        for s, at in zip(results["sample_id"], results["resulted_at"], strict=True)
    ]
    return results.assign(
        evaluable=evaluable,
        oos=oos,
        mismatch=mismatch,
        turnaround_hours=np.array(hours, dtype=float),
        metric_day=_ts_days(results["resulted_at"]),
    )


def _lab_rows(inp: QmsInputs) -> Iterator[Row]:
    judged = judged_results(inp)
    for test, part in judged.groupby("test_code", sort=True):
        ids, samples = _ids(part, "result_id"), _ids(part, "sample_id")
        metric_day = part["metric_day"].to_numpy()
        evaluable, oos = part["evaluable"].to_numpy(), part["oos"].to_numpy()
        mismatch = part["mismatch"].to_numpy()
        hours = part["turnaround_hours"].to_numpy(dtype=float)
        for d in day_range(date.fromordinal(int(metric_day.min())), inp.as_of):
            today = metric_day == d.toordinal()
            masks = {
                "results": today,
                "evaluable_results": today & evaluable,
                "oos_results": today & oos,
                "flag_mismatches": today & mismatch,
            }
            records = {kpi: (RESULT, ids[mask]) for kpi, mask in masks.items()}
            records["samples"] = (SAMPLE, np.array(sorted(set(samples[today])), dtype=object))
            values: dict = {kpi: len(found) for kpi, (_t, found) in records.items()}
            values["oos_rate"] = ratio(values["oos_results"], values["evaluable_results"])
            values["turnaround_p50_hours"] = percentile_cont(hours[today], 0.5)
            values["turnaround_p90_hours"] = percentile_cont(hours[today], 0.9)
            yield {"test_code": test}, d, values, records


def lab_quality(inp: QmsInputs) -> pd.DataFrame:
    """lab_quality: each test code per day from its first result day."""
    return _table(_rows(inp, "lab_quality", _lab_rows), LAB_QUALITY, LAB_KEYS)


# -- risk_register_summary ---------------------------------------------------------------

RISK_KEYS = ["module", "mitigation_status", "metric_date"]
RISK_REGISTER = [
    "module", "mitigation_status", "metric_date", "risks", "mean_rpn", "max_rpn",
    "high_priority_risks",
]  # fmt: skip


def rpn(frame: pd.DataFrame) -> pd.Series:
    """Risk priority number: severity x probability x detectability."""
    product = frame["severity"] * frame["probability"] * frame["detectability"]
    return product.astype("int64")


def _risk_rows(inp: QmsInputs) -> Iterator[Row]:
    hist = inp.risk_history
    if hist.empty:
        return
    risks = History(hist.assign(rpn=rpn(hist)), ["module", "mitigation_status", "risk_id"])
    ids, scores = risks.col("risk_id"), risks.frame["rpn"].to_numpy(dtype=np.int64)
    scope = [
        (m, s) for m, s in zip(risks.col("module"), risks.col("mitigation_status"), strict=True)
    ]
    scopes = sorted(set(scope))
    code = np.array([scopes.index(pair) for pair in scope], dtype=np.int64)
    for d in day_range(min(day_of(hist["assessed_at"])), inp.as_of):
        now = risks.at_end_of(d)
        for k, (module, status) in enumerate(scopes):
            mine = now & (code == k)
            if not mine.any():
                continue  # no risk in this module and status at the end of d: no row
            high = mine & (scores >= HIGH_RPN)
            values = {
                "risks": int(mine.sum()),
                "mean_rpn": float(scores[mine].mean()),
                "max_rpn": int(scores[mine].max()),
                "high_priority_risks": int(high.sum()),
            }
            records = {"risks": (RISK, ids[mine]), "high_priority_risks": (RISK, ids[high])}
            yield {"module": module, "mitigation_status": status}, d, values, records


def risk_register_summary(inp: QmsInputs) -> pd.DataFrame:
    """risk_register_summary: each (module, mitigation status) with a risk at the end
    of a day, per day from the first assessed_at day."""
    rows = _rows(inp, "risk_register_summary", _risk_rows)
    return _table(rows, RISK_REGISTER, RISK_KEYS)


# -- drill-through (qms_kpi_records) -----------------------------------------------------

KPI_RECORDS = [
    "table_name", "metric_date", "department_id", "module", "test_code", "mitigation_status",
    "kpi", "record_type", "record_id",
]  # fmt: skip
BUILDERS: dict[str, Callable[[QmsInputs], Iterator[Row]]] = {
    "quality_kpis": _quality_rows,
    "training_compliance": _training_rows,
    "document_control": _document_rows,
    "lab_quality": _lab_rows,
    "risk_register_summary": _risk_rows,
}


def kpi_records(inp: QmsInputs) -> pd.DataFrame:
    """qms_kpi_records' count rows: one row per record counted by a count of the five
    daily tables (rates: their numerator and denominator counts; training_overdue's
    list is training_compliance's `overdue` records). The rows carrying a figure for
    a mean or percentile are checked through the tables' means and percentiles."""
    rows = []
    scope_columns = ("department_id", "module", "test_code", "mitigation_status")
    for table, build in BUILDERS.items():
        for scope, d, _values, records in _rows(inp, table, build):
            base = {c: scope.get(c) for c in scope_columns}
            for kpi, (record_type, ids) in records.items():
                rows += [
                    {"table_name": table, "metric_date": d, **base, "kpi": kpi,
                     "record_type": record_type, "record_id": rid}
                    for rid in ids
                ]  # fmt: skip
    return _sorted(pd.DataFrame(rows, columns=KPI_RECORDS), KPI_RECORDS, KPI_RECORDS)


# -- the QMS rows of analytics_metrics (int_qms_kpis) ------------------------------------

KPI_COLUMNS = [
    "metric_name", "metric_type", "category", "period_type", "period_start", "period_end",
    "workspace_id", "value", "previous_value", "change_percentage", "metric_subcategory",
    "unit", "department_id", "module_name", "entity_type", "entity_id",
]  # fmt: skip
KPI_KEYS = [
    "metric_name", "period_type", "period_start", "workspace_id", "module_name",
    "entity_type", "entity_id",
]  # fmt: skip


def _definitions() -> dict[str, tuple[str, str, str, str]]:
    """{column: (table, category, subcategory, unit)}: the table of docs/metrics.md.
    Every measure is a KPI but the rates' helper columns (due_90d, compliant_90d,
    evaluable_results), so capas_closed_on_time, missing from the doc's table, is
    one too, defined like capas_closed."""
    spec: list[tuple[str, str, str, str, str]] = [
        ("open_events, open_deviations, open_capas, open_complaints, open_audit_findings, "
         "open_change_controls, open_critical, open_major, open_minor, opened_events, "
         "closed_events", "quality_kpis", "quality", "quality_events", "count"),
        ("capas_closed, capas_closed_on_time, overdue_capas", "quality_kpis", "quality", "capa",
         "count"),
        ("repeat_deviations", "quality_kpis", "quality", "deviations", "count"),
        ("mean_days_to_close_critical, mean_days_to_close_major, mean_days_to_close_minor, "
         "p90_days_to_close_critical, p90_days_to_close_major, p90_days_to_close_minor",
         "quality_kpis", "quality", "quality_events", "days"),
        ("capa_on_time_closure_rate", "quality_kpis", "compliance", "capa", "ratio"),
        ("assigned, completed, completed_on_time, overdue", "training_compliance", "training",
         "assignments", "count"),
        ("compliance_rate", "training_compliance", "compliance", "training", "ratio"),
        ("average_score", "training_compliance", "training", "assessment", "score"),
        ("documents, documents_draft, documents_in_review, documents_approved, "
         "documents_effective, documents_obsolete", "document_control", "documents",
         "lifecycle", "count"),
        ("reviews_completed", "document_control", "documents", "review", "count"),
        ("past_periodic_review", "document_control", "compliance", "periodic_review", "count"),
        ("review_cycle_days_p50, review_cycle_days_p90", "document_control", "documents",
         "review", "days"),
        ("results, samples, oos_results, flag_mismatches", "lab_quality", "quality", "lab",
         "count"),
        ("oos_rate", "lab_quality", "quality", "lab", "ratio"),
        ("turnaround_p50_hours, turnaround_p90_hours", "lab_quality", "quality", "lab", "hours"),
        ("risks, high_priority_risks", "risk_register_summary", "organizational", "risk",
         "count"),
        ("mean_rpn, max_rpn", "risk_register_summary", "organizational", "risk", "score"),
    ]  # fmt: skip
    return {
        column: (table, category, subcategory, unit)
        for columns, table, category, subcategory, unit in spec
        for column in columns.split(", ")
    }


QMS_KPIS = _definitions()


def metric_type(column: str, unit: str) -> str:
    """count, ratio, percentile (p50/p90), average (mean_*, average_score), maximum
    (max_rpn), else sum."""
    if unit in ("count", "ratio"):
        return unit
    if "p50" in column or "p90" in column:
        return "percentile"
    if column.startswith("mean_") or column == "average_score":
        return "average"
    return "maximum" if column.startswith("max_") else "sum"


def _scope(table: str, frame: pd.DataFrame) -> dict[str, pd.Series | None]:
    """analytics_metrics' scope columns of a table's rows."""
    department = frame.get("department_id")
    scope = {"workspace_id": department, "department_id": department, "module_name": None,
             "entity_type": None, "entity_id": None}  # fmt: skip
    if table == "quality_kpis":
        scope["module_name"] = frame["module"]
    if table == "training_compliance":
        scope["module_name"] = "tms"
    if table == "document_control":
        scope["module_name"] = "edms"
    if table == "lab_quality":
        scope.update(module_name="lims", entity_type="lab_test", entity_id=frame["test_code"])
    if table == "risk_register_summary":
        scope.update(module_name=frame["module"], entity_type="mitigation_status",
                     entity_id=frame["mitigation_status"])  # fmt: skip
    return scope


TABLE_COLUMNS = {
    "quality_kpis": (QUALITY_KPIS, QUALITY_KEYS),
    "training_compliance": (TRAINING_COMPLIANCE, TRAINING_KEYS),
    "document_control": (DOCUMENT_CONTROL, DOCUMENT_KEYS),
    "lab_quality": (LAB_QUALITY, LAB_KEYS),
    "risk_register_summary": (RISK_REGISTER, RISK_KEYS),
}


def qms_kpis(inp: QmsInputs) -> pd.DataFrame:
    """int_qms_kpis: one day row per table row and KPI measure, with the same KPI of
    the same scope on the day before (null when that row does not exist)."""
    parts = []
    for table, build in BUILDERS.items():
        columns, grain = TABLE_COLUMNS[table]
        wide = _table(_rows(inp, table, build), columns, grain)
        if wide.empty:
            continue
        measures = [c for c, definition in QMS_KPIS.items() if definition[0] == table]
        scope = grain[:-1]
        long = wide.melt(id_vars=grain, value_vars=measures, var_name="column")
        long["value"] = long["value"].astype(float)
        next_day = [d + timedelta(days=1) for d in long["metric_date"]]
        before = long.assign(metric_date=pd.Series(next_day, index=long.index, dtype=object))
        long = long.merge(
            before.rename(columns={"value": "previous_value"}),
            on=[*scope, "metric_date", "column"],
            how="left",
        )
        value, previous = long["value"], long["previous_value"]
        defined = previous.notna() & (previous != 0) & value.notna()
        change = ((value - previous) / previous * 100.0).where(defined)
        column = long["column"]
        parts.append(
            pd.DataFrame(
                {
                    "metric_name": "qms_" + column,
                    "metric_type": column.map(
                        {c: metric_type(c, QMS_KPIS[c][3]) for c in measures}
                    ),
                    "category": column.map({c: QMS_KPIS[c][1] for c in measures}),
                    "period_type": "day",
                    "period_start": long["metric_date"],
                    "period_end": long["metric_date"],
                    **_scope(table, long),
                    "value": value,
                    "previous_value": previous,
                    "change_percentage": change,
                    "metric_subcategory": column.map({c: QMS_KPIS[c][2] for c in measures}),
                    "unit": column.map({c: QMS_KPIS[c][3] for c in measures}),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=KPI_COLUMNS)
    return _sorted(out, KPI_COLUMNS, KPI_KEYS)


# -- registry ----------------------------------------------------------------------------

TABLES: dict[str, Callable[[QmsInputs], pd.DataFrame]] = {
    "quality_kpis": quality_kpis,
    "training_compliance": training_compliance,
    "training_overdue": training_overdue,
    "document_control": document_control,
    "lab_quality": lab_quality,
    "risk_register_summary": risk_register_summary,
    "qms_kpi_records": kpi_records,
}
GRAINS: dict[str, list[str]] = {
    "quality_kpis": QUALITY_KEYS,
    "training_compliance": TRAINING_KEYS,
    "training_overdue": OVERDUE_KEYS,
    "document_control": DOCUMENT_KEYS,
    "lab_quality": LAB_KEYS,
    "risk_register_summary": RISK_KEYS,
    "qms_kpi_records": KPI_RECORDS,
    "int_qms_kpis": KPI_KEYS,
}
INTERMEDIATE: dict[str, Callable[[QmsInputs], pd.DataFrame]] = {"int_qms_kpis": qms_kpis}


def all_tables(inp: QmsInputs) -> dict[str, pd.DataFrame]:
    return {name: fn(inp) for name, fn in {**TABLES, **INTERMEDIATE}.items()}
