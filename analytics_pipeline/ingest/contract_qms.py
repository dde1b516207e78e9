"""The quality management pack's raw sources (seed 001; docs/contract.md,
"Quality management pack").

The QMS (modules EDMS, LIMS, TMS, QRM and organization) exports its tables as
JSON lines, CSV or Parquet like the core sources. Every table is mutable: a
status change arrives as a new version with a newer `updated_at`, so the
versions are the record's history (a document's review status, a risk's
mitigation status at the end of any day). Records are never deleted in a
regulated system; they are closed, cancelled or made obsolete.
"""

from __future__ import annotations

from analytics_pipeline.ingest.contract_types import Column, OrderRule, Source
from analytics_pipeline.ingest.contract_types import column as _c

PACK = "qms"

MODULES = ("edms", "lims", "tms", "qrm", "organization")
USER_ROLES = ("QA_MANAGER", "QA_SPECIALIST", "DOCUMENT_OWNER", "LAB_ANALYST", "OPERATOR")
EVENT_TYPES = ("DEVIATION", "CAPA", "COMPLAINT", "AUDIT_FINDING", "CHANGE_CONTROL")
SEVERITIES = ("CRITICAL", "MAJOR", "MINOR")
EVENT_STATUSES = ("OPEN", "INVESTIGATION", "PENDING_APPROVAL", "CLOSED", "CANCELLED")
DOCUMENT_TYPES = ("SOP", "WORK_INSTRUCTION", "POLICY", "FORM", "SPECIFICATION")
DOCUMENT_STATUSES = ("DRAFT", "IN_REVIEW", "APPROVED", "EFFECTIVE", "OBSOLETE")
STEP_TYPES = ("REVIEW", "APPROVAL")
STEP_DECISIONS = ("APPROVED", "REJECTED")
ASSIGNMENT_STATUSES = ("ASSIGNED", "IN_PROGRESS", "COMPLETED", "CANCELLED")
MITIGATION_STATUSES = ("OPEN", "IN_PROGRESS", "MITIGATED", "ACCEPTED")

_VERSION = "Version order: the newest version wins; every version is the record's history."


def _department(required: bool = True, what: str = "Department") -> Column:
    return _c("department_id", "text", required, f"{what} (qms_departments).")


def _versioned(name: str, description: str, columns: tuple[Column, ...], **rules) -> Source:
    """A mutable QMS table: key = its first column, versions by updated_at."""
    return Source(
        name,
        description,
        (*columns, _c("updated_at", "ts", True, _VERSION)),
        key=(columns[0].name,),
        mutable=True,
        version_column="updated_at",
        pack=PACK,
        **rules,
    )


def _score(name: str, what: str) -> Column:
    return _c(name, "int", True, f"{what}, 1 (best) .. 10 (worst).", minimum=1, maximum=10)


_DEPARTMENTS = _versioned(
    "qms_departments",
    "Departments of the organization (the tenant of the QMS tables).",
    (
        _c("department_id", "text", True, "Department key."),
        _c("name", "text", False, "Department name."),
        _c("created_at", "ts", True, "When the department was created."),
        _c("deleted_at", "ts", False, "Set when the department was dissolved."),
    ),
)

_USERS = _versioned(
    "qms_users",
    "QMS users (employees with a login): their department is the department of their "
    "training assignments.",
    (
        _c("user_id", "text", True, "User key."),
        _department(True, "Department of the user"),
        _c("role", "text", True, "Role in the QMS.", USER_ROLES),
        _c("created_at", "ts", True, "When the user was created."),
        _c("deleted_at", "ts", False, "Set when the user left (the login is closed)."),
    ),
)

_QUALITY_EVENTS = _versioned(
    "qms_quality_events",
    "Deviations, CAPAs, complaints, audit findings and change controls. Each status change "
    "(investigation, approval, closure, cancellation) arrives as a new version.",
    (
        _c("event_id", "text", True, "Quality event key."),
        _c("event_type", "text", True, "Kind of quality event.", EVENT_TYPES),
        _c("severity", "text", True, "Severity classification.", SEVERITIES),
        _c("module", "text", True, "QMS module the event was raised in.", MODULES),
        _department(True, "Department responsible for the event"),
        _c("root_cause", "text", False, "Root cause code from the cause taxonomy, once known."),
        _c("related_event_id", "text", False, "Event a CAPA was raised for (qms_quality_events)."),
        _c("owner_user_id", "text", False, "User who owns the event (qms_users)."),
        _c("status", "text", True, "Workflow state.", EVENT_STATUSES),
        _c("opened_at", "ts", True, "When the event was opened; its event time."),
        _c("due_date", "date", False, "Date by which the event must be closed."),
        _c("closed_at", "ts", False, "When the event was closed or cancelled (>= opened_at)."),
    ),
    event_time_column="opened_at",
    order_rules=(OrderRule("closed_at", "opened_at"),),
)

_DOCUMENTS = _versioned(
    "qms_documents",
    "Controlled documents (EDMS): one row per document, its versions in qms_document_versions.",
    (
        _c("document_id", "text", True, "Document key."),
        _c("document_number", "text", False, "Human-readable document number (SOP-0042)."),
        _c("document_type", "text", True, "Kind of document.", DOCUMENT_TYPES),
        _department(True, "Department owning the document"),
        _c("owner_user_id", "text", False, "Document owner (qms_users)."),
        _c("created_at", "ts", True, "When the document was created."),
    ),
)

_DOCUMENT_VERSIONS = _versioned(
    "qms_document_versions",
    "Versions of controlled documents. Each status change (draft, in review, approved, "
    "effective, obsolete) arrives as a new version of the row: the status history.",
    (
        _c("version_id", "text", True, "Document version key."),
        _c("document_id", "text", True, "Document (qms_documents)."),
        _c("version_number", "int", True, "Version number, 1 upwards.", minimum=1),
        _c("status", "text", True, "Lifecycle state.", DOCUMENT_STATUSES),
        _c("effective_date", "date", False, "Date the version became effective."),
        _c("periodic_review_due", "date", False, "Date the effective version must be reviewed."),
        _c("created_at", "ts", True, "When the version was drafted."),
    ),
)

_REVIEW_STEPS = _versioned(
    "qms_document_review_steps",
    "Review and approval steps of a document version (its workflow). A step is assigned, "
    "then completed with a decision, each a new version.",
    (
        _c("step_id", "text", True, "Workflow step key."),
        _c("version_id", "text", True, "Document version under review (qms_document_versions)."),
        _c("step_type", "text", True, "Kind of step.", STEP_TYPES),
        _c("assignee_user_id", "text", False, "Reviewer or approver (qms_users)."),
        _c("assigned_at", "ts", True, "When the step was assigned; its event time."),
        _c("completed_at", "ts", False, "When the step was completed (>= assigned_at)."),
        _c("decision", "text", False, "Decision of a completed step.", STEP_DECISIONS),
    ),
    event_time_column="assigned_at",
    order_rules=(OrderRule("completed_at", "assigned_at"),),
)

_TRAINING_ASSIGNMENTS = _versioned(
    "qms_training_assignments",
    "Training assignments (TMS): a course assigned to a user, often required by a document "
    "version. Progress and completion arrive as new versions.",
    (
        _c("assignment_id", "text", True, "Training assignment key."),
        _c("user_id", "text", True, "Trainee (qms_users)."),
        _c("course_id", "text", True, "Course assigned."),
        _c(
            "document_version_id",
            "text",
            False,
            "Document version that requires the training (qms_document_versions).",
        ),
        _c("status", "text", True, "Assignment state.", ASSIGNMENT_STATUSES),
        _c("assigned_at", "ts", True, "When the training was assigned; its event time."),
        _c("due_date", "date", True, "Date by which the training must be completed."),
        _c("completed_at", "ts", False, "When the training was completed (>= assigned_at)."),
        _c("score", "numeric", False, "Assessment score, 0..100.", minimum=0, maximum=100),
    ),
    event_time_column="assigned_at",
    order_rules=(OrderRule("completed_at", "assigned_at"),),
)

_LAB_SAMPLES = _versioned(
    "qms_lab_samples",
    "Samples received by the laboratory (LIMS).",
    (
        _c("sample_id", "text", True, "Sample key."),
        _department(False, "Department that submitted the sample"),
        _c("sample_type", "text", False, "Kind of material sampled."),
        _c("received_at", "ts", True, "When the laboratory received the sample; its event time."),
    ),
    event_time_column="received_at",
)

_LAB_RESULTS = _versioned(
    "qms_lab_results",
    "Test results of lab samples with their specification limits. A corrected result "
    "arrives as a new version.",
    (
        _c("result_id", "text", True, "Result key."),
        _c("sample_id", "text", True, "Sample tested (qms_lab_samples)."),
        _c("test_code", "text", True, "Test performed (assay, pH, ...)."),
        _c("result_value", "numeric", False, "Measured value; null when the test gave none."),
        _c("spec_lower", "numeric", False, "Lower specification limit; null: none."),
        _c("spec_upper", "numeric", False, "Upper specification limit; null: none."),
        _c("unit", "text", False, "Unit of the value and the limits."),
        _c(
            "oos_flag", "bool", False, "Out-of-specification flag set by the instrument or analyst."
        ),
        _c("resulted_at", "ts", True, "When the result was reported; its event time."),
    ),
    event_time_column="resulted_at",
)

_RISK_ASSESSMENTS = _versioned(
    "qms_risk_assessments",
    "Risk assessments (QRM, FMEA scores). A re-assessment or a change of mitigation status "
    "arrives as a new version: the register's history.",
    (
        _c("risk_id", "text", True, "Risk key."),
        _c("module", "text", True, "Module the risk belongs to.", MODULES),
        _department(False, "Department owning the risk"),
        _score("severity", "Severity of the failure's effect"),
        _score("probability", "Probability of occurrence"),
        _score("detectability", "How hard the failure is to detect"),
        _c("mitigation_status", "text", True, "Mitigation state.", MITIGATION_STATUSES),
        _c("assessed_at", "ts", True, "When the risk was first assessed; its event time."),
    ),
    event_time_column="assessed_at",
)

QMS_SOURCES: tuple[Source, ...] = (
    _DEPARTMENTS,
    _USERS,
    _QUALITY_EVENTS,
    _DOCUMENTS,
    _DOCUMENT_VERSIONS,
    _REVIEW_STEPS,
    _TRAINING_ASSIGNMENTS,
    _LAB_SAMPLES,
    _LAB_RESULTS,
    _RISK_ASSESSMENTS,
)
