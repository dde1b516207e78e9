"""Controlled documents (EDMS): the documents, their versions and each version's
review and approval steps.

At go-live the existing paper documents were migrated as effective version 1
(their effective dates years back, so some periodic reviews have already
passed). New documents and revisions go DRAFT -> IN_REVIEW -> APPROVED ->
EFFECTIVE, each change a new version row; when a revision takes effect the
previous version becomes OBSOLETE. A version in review gets REVIEW steps, then
APPROVAL steps once the reviews are done; a rejected approval sends the version
back to DRAFT, and a new approval step approves it later. Step completions and
version statuses agree: a version is APPROVED when its last approval step is.

Planted: a rejected approval, a revision of an effective document still in
review at the end, a document moved to another department, and one version
whose document never arrives (it counts nowhere)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ids import prefixed_ids
from ..period import DAY_MS, HOUR_MS, MINUTE_MS, Period
from .clock import after, date_of, date_text, iso, pick_style, work_moment
from .organization import Organization
from .versions import Versions

TYPE_MIX = {
    "SOP": 0.4,
    "WORK_INSTRUCTION": 0.25,
    "FORM": 0.15,
    "SPECIFICATION": 0.12,
    "POLICY": 0.08,
}
PREFIX = {
    "SOP": "SOP",
    "WORK_INSTRUCTION": "WI",
    "FORM": "FRM",
    "SPECIFICATION": "SPEC",
    "POLICY": "POL",
}
REVIEW_INTERVAL_DAYS = {"POLICY": 1095}  # others every two years
DOCUMENTS_PER_DEPARTMENT = 8
LEGACY_SHARE = 0.7
REVISION_SHARE, DUE_REVISION_SHARE = 0.25, 0.6
REJECT_SHARE = 0.15
MAX_VERSIONS = 4
OWNER_ROLES = ("DOCUMENT_OWNER", "QA_MANAGER", "QA_SPECIALIST")


@dataclass
class Document:
    id: str
    number: str
    doc_type: str
    department: int
    created_ms: int
    legacy: bool
    owner: str | None


@dataclass
class Library:
    """The documents and the moments their versions took effect through the workflow
    (ms, version_id, document index, version number): each requires training."""

    documents: list[Document]
    took_effect: list[tuple[int, str, int, int]]
    document_rows: Versions
    version_rows: Versions
    step_rows: Versions


@dataclass
class _Workflow:
    """Forced outcomes of the planted cases (None: at random)."""

    reject: bool | None = None
    in_review_after: float | None = None  # days from the draft to the review
    approve_after: int | None = None  # no approval before this moment


def _review_due(doc_type: str, effective_day: int) -> int:
    return effective_day + REVIEW_INTERVAL_DAYS.get(doc_type, 730)


class _Writer:
    """Writes a document's versions and steps with one rendering style per record."""

    def __init__(self, rng: np.random.Generator, org: Organization, library: Library) -> None:
        self.rng, self.org, self.lib = rng, org, library

    def version_row(self, ms: int, base: dict, status: str, **changes) -> dict:
        row = {**base, **changes, "status": status, "updated_at": iso(ms, base["_style"])}
        self.lib.version_rows.add(ms, {k: v for k, v in row.items() if k != "_style"})
        return {**row}

    def step(self, version_id: str, step_type: str, assignee: str | None, assigned: int,
             completed: int | None, decision: str | None) -> None:  # fmt: skip
        style = pick_style(self.rng)
        step_id = prefixed_ids(self.rng, "stp_", 1, width=12)[0]
        row = {
            "step_id": step_id,
            "version_id": version_id,
            "step_type": step_type,
            "assignee_user_id": assignee,
            "assigned_at": iso(assigned, style),
            "completed_at": None,
            "decision": None,
            "updated_at": iso(assigned, style),
        }
        self.lib.step_rows.add(assigned, row)
        if completed is not None:
            done = {**row, "completed_at": iso(completed, style), "decision": decision}
            self.lib.step_rows.add(completed, {**done, "updated_at": iso(completed, style)})

    def workflow(self, doc: Document, base: dict, start: int, plan: _Workflow) -> tuple[int, dict]:
        """DRAFT at `start` through EFFECTIVE: the moment it takes effect (maybe after the
        end, then the versions from then on are not in the sample) and that version."""
        rng, org = self.rng, self.org
        base = self.version_row(start, base, "DRAFT")
        in_review = after(rng, start, 3.0, 0.5)
        if plan.in_review_after is not None:
            in_review = start + int(plan.in_review_after * DAY_MS)
        base = self.version_row(in_review, base, "IN_REVIEW")
        reviews_done = in_review
        for _ in range(int(rng.integers(1, 3))):
            assigned = in_review + int(rng.integers(MINUTE_MS, 30 * MINUTE_MS))
            done = after(rng, assigned, 2.0)
            reviews_done = max(reviews_done, done)
            reviewer = org.pick_user(rng, doc.department, assigned, OWNER_ROLES)
            self.step(base["version_id"], "REVIEW", reviewer, assigned, done, "APPROVED")
        approvers = [org.pick_user(rng, 0, reviews_done, ("QA_MANAGER",))]
        if rng.random() < 0.4:
            approvers.append(doc.owner)
        reject = rng.random() < REJECT_SHARE if plan.reject is None else plan.reject
        approved = reviews_done
        for k, approver in enumerate(approvers):
            assigned = reviews_done + int(rng.integers(MINUTE_MS, 2 * HOUR_MS))
            done = after(rng, assigned, 1.5)
            if plan.approve_after is not None:
                done = max(done, plan.approve_after)
            if reject and k == 0:
                self.step(base["version_id"], "APPROVAL", approver, assigned, done, "REJECTED")
                base = self.version_row(done + MINUTE_MS, base, "DRAFT")
                again = after(rng, done, 3.0, 0.5)
                base = self.version_row(again, base, "IN_REVIEW")
                assigned = again + int(rng.integers(MINUTE_MS, HOUR_MS))
                done = after(rng, assigned, 1.5)
            self.step(base["version_id"], "APPROVAL", approver, assigned, done, "APPROVED")
            approved = max(approved, done)
        base = self.version_row(approved + MINUTE_MS, base, "APPROVED")
        effective = work_moment(rng, date_of(approved) + int(rng.integers(1, 8)))
        day = date_of(effective)
        due = _review_due(doc.doc_type, day)
        row = self.version_row(
            effective, base, "EFFECTIVE",
            effective_date=date_text(day), periodic_review_due=date_text(due),
        )  # fmt: skip
        return effective, row


def build_library(rng: np.random.Generator, org: Organization, period: Period) -> Library:
    end = period.end_ms
    lib = Library([], [], Versions(end), Versions(end), Versions(end))
    writer = _Writer(rng, org, lib)
    n_docs = max(6, DOCUMENTS_PER_DEPARTMENT * len(org.departments))
    weights = np.array([d.weight for d in org.departments])
    homes = (
        list(range(len(weights)))
        + rng.choice(len(weights), size=n_docs - len(weights), p=weights / weights.sum()).tolist()
    )
    ids = prefixed_ids(rng, "doc_", n_docs + 1, width=10)
    counters = dict.fromkeys(PREFIX.values(), 0)
    go_live_day = date_of(org.go_live_ms)
    for i, k in enumerate(homes):
        doc_type = str(rng.choice(list(TYPE_MIX), p=list(TYPE_MIX.values())))
        counters[PREFIX[doc_type]] += 1 + int(rng.integers(0, 3))
        number = f"{PREFIX[doc_type]}-{counters[PREFIX[doc_type]]:04d}"
        dep = org.departments[k]
        legacy = i == 0 or (i > 1 and rng.random() < LEGACY_SHARE) or not dep.alive(org.go_live_ms)
        if legacy and dep.alive(org.go_live_ms):
            created = org.go_live_ms + i * MINUTE_MS
        else:
            legacy = False
            first = max(go_live_day + 1, date_of(dep.created_ms) + 1)
            last = period.end_day - 2
            if dep.dissolved_ms is not None:
                last = min(last, date_of(dep.dissolved_ms) - 1)
            created = work_moment(rng, int(rng.integers(first, max(first + 1, last))))
        if i == 1:  # planted: a new document whose first approval is rejected
            created = work_moment(rng, go_live_day + 10)
        doc = Document(
            ids[i],
            number,
            doc_type,
            k,
            created,
            legacy,
            org.pick_user(rng, k, created, OWNER_ROLES),
        )
        lib.documents.append(doc)
        _document_rows(rng, org, doc, i, period, lib)
        plan = _Workflow(reject=True) if i == 1 else _Workflow()
        _versions_of(rng, writer, doc, i, period, plan, planted=i == 0)
    _orphan_version(rng, writer, ids[-1], period)
    return lib


def _document_rows(
    rng: np.random.Generator, org: Organization, doc: Document, i: int, period: Period, lib: Library
) -> None:
    style = pick_style(rng)
    row = {
        "document_id": doc.id,
        "document_number": doc.number if rng.random() > 0.03 else None,
        "document_type": doc.doc_type,
        "department_id": org.departments[doc.department].id,
        "owner_user_id": doc.owner,
        "created_at": iso(doc.created_ms, style),
        "updated_at": iso(doc.created_ms, style),
    }
    lib.document_rows.add(doc.created_ms, row)
    owner = next((u for u in org.users if u.id == doc.owner), None)
    if owner is not None and owner.deleted_ms is not None and owner.deleted_ms > doc.created_ms:
        at = owner.deleted_ms + int(rng.integers(1, 6)) * DAY_MS
        successor = org.pick_user(rng, owner.department_at(at), at, OWNER_ROLES)
        row = {**row, "owner_user_id": successor, "updated_at": iso(at, style)}
        lib.document_rows.add(at, row)
    if i == 2 or org.departments[doc.department].dissolved_ms is not None:
        # Handed over: to QA when its department is dissolved, else mid-period (planted).
        dissolved = org.departments[doc.department].dissolved_ms
        at = (
            dissolved + HOUR_MS
            if dissolved is not None
            else work_moment(rng, period.start_day + period.days // 2)
        )
        target = 0 if doc.department != 0 else 1
        row = {**row, "department_id": org.departments[target].id, "updated_at": iso(at, style)}
        lib.document_rows.add(at, row)


def _versions_of(
    rng: np.random.Generator, writer: _Writer, doc: Document, i: int, period: Period,
    plan: _Workflow, planted: bool,
) -> None:  # fmt: skip
    """Version 1 (migrated or through the workflow), then revisions while time is left."""
    lib = writer.lib
    version_ids = prefixed_ids(rng, "ver_", MAX_VERSIONS, width=12)
    style = pick_style(rng)

    def base(n: int, start: int) -> dict:
        return {
            "version_id": version_ids[n - 1],
            "document_id": doc.id,
            "version_number": n,
            "status": "DRAFT",
            "effective_date": None,
            "periodic_review_due": None,
            "created_at": iso(start, style),
            "_style": style,
        }

    if doc.legacy:
        day = date_of(doc.created_ms) - int(rng.integers(30, 1400))
        due = _review_due(doc.doc_type, day)
        current = writer.version_row(
            doc.created_ms + 1000, base(1, doc.created_ms), "EFFECTIVE",
            effective_date=date_text(day), periodic_review_due=date_text(due),
        )  # fmt: skip
        effective = doc.created_ms + 1000
    else:
        effective, current = writer.workflow(doc, base(1, doc.created_ms), doc.created_ms, plan)
        lib.took_effect.append((effective, version_ids[0], i, 1))
        due = _review_due(doc.doc_type, date_of(effective))
    for n in range(2, MAX_VERSIONS + 1):
        if effective >= period.end_ms:
            return
        if planted:  # a revision started days before the end: in review at the end
            start = period.end_ms - 3 * DAY_MS + int(rng.integers(0, HOUR_MS))
            revision_plan = _Workflow(
                reject=False, in_review_after=0.25, approve_after=period.end_ms + 5 * DAY_MS
            )
        else:
            share = DUE_REVISION_SHARE if due <= period.end_day + 30 else REVISION_SHARE
            if rng.random() >= share:
                return
            first = date_of(effective) + 7
            start = work_moment(rng, int(rng.integers(first, max(first + 1, period.end_day + 20))))
            revision_plan = _Workflow()
        new_effective, new_current = writer.workflow(doc, base(n, start), start, revision_plan)
        writer.version_row(new_effective + 1000, current, "OBSOLETE")
        lib.took_effect.append((new_effective, version_ids[n - 1], i, n))
        current, effective = new_current, new_effective
        due = _review_due(doc.doc_type, date_of(effective))
        if planted:
            return


def _orphan_version(
    rng: np.random.Generator, writer: _Writer, document_id: str, period: Period
) -> None:
    """A version whose document is not exported (it counts nowhere)."""
    start = work_moment(rng, period.start_day + period.days // 3)
    style = pick_style(rng)
    base = {
        "version_id": prefixed_ids(rng, "ver_", 1, width=12)[0],
        "document_id": document_id,
        "version_number": 1,
        "status": "DRAFT",
        "effective_date": None,
        "periodic_review_due": None,
        "created_at": iso(start, style),
        "_style": style,
    }
    base = writer.version_row(start, base, "DRAFT")
    writer.version_row(start + 2 * DAY_MS, base, "IN_REVIEW")
