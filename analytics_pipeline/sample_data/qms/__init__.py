"""The quality management pack's sample (seed 001): one regulated organization's
QMS - departments and users, quality events, controlled documents with their
review workflow, training, the laboratory and the risk register - simulated
together so that every reference (a step's version, an assignment's user and
document version, a result's sample, a CAPA's event) points at something that
exists at that moment, but for the deliberate orphans the definitions name.

The QMS went live (documents and risks migrated) HISTORY_DAYS before the
period: the history gives open backlogs, due dates and 90-day windows from the
first day of the period. Tables exported as snapshots (departments, users,
documents, document versions) are sent weekly; the others, event-timed, send
each version on the day of the change (late and twice now and then)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..delivery import EventRows, RowBatch
from ..period import Period
from .documents import build_library
from .events import simulate_events
from .lab import simulate_lab
from .organization import build_organization
from .risks import simulate_risks
from .training import simulate_training

# Random streams of the pack, spawned after the core's (their streams stay unchanged).
STAGES = ("qms_organization", "qms_events", "qms_documents", "qms_training", "qms_lab", "qms_risks")
HISTORY_DAYS = 100
# Late and re-sent versions, twice the core's shares: few of a small sample's
# versions fall in the period, and each source should show both.
LATE_SHARE, DUPLICATE_SHARE = 0.05, 0.02


@dataclass
class QmsSample:
    """Snapshot-exported sources (and the pre-period versions of the others) as
    dated batches; the event-timed sources' in-period versions before delivery."""

    batches: dict[str, RowBatch]
    events: dict[str, EventRows]


def simulate_qms(
    rngs: dict[str, np.random.Generator], workspaces: int, users: int, period: Period
) -> QmsSample:
    org = build_organization(rngs["qms_organization"], workspaces, users, period, HISTORY_DAYS)
    library = build_library(rngs["qms_documents"], org, period)
    lab = simulate_lab(rngs["qms_lab"], org, period)
    snapshots = {
        "qms_departments": org.department_rows,
        "qms_users": org.user_rows,
        "qms_documents": library.document_rows,
        "qms_document_versions": library.version_rows,
    }
    timed = {
        "qms_quality_events": simulate_events(rngs["qms_events"], org, period),
        "qms_document_review_steps": library.step_rows,
        "qms_training_assignments": simulate_training(rngs["qms_training"], org, library, period),
        "qms_lab_samples": lab.samples,
        "qms_lab_results": lab.results,
        "qms_risk_assessments": simulate_risks(rngs["qms_risks"], org, period),
    }
    batches = {source: rows.snapshot_batch(period) for source, rows in snapshots.items()}
    events = {}
    for source, rows in timed.items():
        batches[source], events[source] = rows.split(period)
    return QmsSample(batches, events)
