"""The hospital operations pack's raw sources (seed 000; docs/contract.md,
"Hospital operations pack").

Each source is a table of the hospital's own PostgreSQL database
(`sample_data/hospital/operational_schema.sql`), extracted incrementally by
(updated_at, id) (analytics_pipeline/ingest/extract); files of the same columns are a
second way in. Every table is mutable (the newest `updated_at` wins) and soft
deletes arrive as `deleted_at`; hard deletes arrive in
`hospital_deleted_rows`. Names, contact details, the MRN, the date of birth
and free text land in raw and never leave it (staging drops them).
"""

from __future__ import annotations

from analytics_pipeline.ingest.contract_types import Column, OrderRule, Source
from analytics_pipeline.ingest.contract_types import column as _c

PACK = "hospital"

STAFF_ROLES = ("doctor", "nurse", "lab_technician", "receptionist", "billing", "admin")
SEXES = ("male", "female", "other", "unknown")
APPOINTMENT_STATUSES = ("scheduled", "completed", "cancelled", "no_show")
RECORD_STATUSES = ("draft", "finalized")
LAB_STATUSES = ("ordered", "collected", "completed", "cancelled")
INVOICE_STATUSES = ("open", "partially_paid", "paid", "void")
PAYMENT_METHODS = ("card", "cash", "insurance", "transfer")
TABLES = (
    "departments",
    "staff",
    "patients",
    "appointments",
    "medical_records",
    "lab_tests",
    "invoices",
    "payments",
)

_VERSION = "Set by the source on every insert and update: the newest version wins."
_DELETED = "Set when the application deleted the row (a soft delete)."
_PRIVATE = " Never leaves raw."


def _id(what: str) -> Column:
    return _c("id", "int", True, f"{what} key in the hospital's database.")


def _ref(name: str, what: str, required: bool = True) -> Column:
    return _c(name, "int", required, what)


def _tail() -> tuple[Column, ...]:
    return (
        _c("created_at", "ts", True, "When the row was created."),
        _c("updated_at", "ts", True, _VERSION),
        _c("deleted_at", "ts", False, _DELETED),
    )


def _source(name: str, description: str, columns: tuple[Column, ...], **rules) -> Source:
    return Source(
        f"hospital_{name}",
        description,
        columns,
        key=("id",),
        mutable=True,
        version_column="updated_at",
        pack=PACK,
        **rules,
    )


_DEPARTMENTS = _source(
    "departments",
    "Clinical and administrative departments.",
    (
        _id("Department"),
        _c("code", "text", True, "Short code, unique."),
        _c("name", "text", True, "Department name."),
        *_tail(),
    ),
)

_STAFF = _source(
    "staff",
    "Staff members with their one role (the seed's users, roles and user_roles).",
    (
        _id("Staff member"),
        _ref("department_id", "Department (hospital_departments.id).", required=False),
        _c("full_name", "text", True, "Name." + _PRIVATE),
        _c("email", "text", False, "Work email." + _PRIVATE),
        _c("role", "text", True, "Role.", STAFF_ROLES),
        _c("specialty", "text", False, "Medical specialty of a doctor."),
        _c("hired_at", "ts", False, "When the staff member started."),
        *_tail(),
    ),
)

_PATIENTS = _source(
    "patients",
    "Patients. Identifying columns land in raw only; staging keeps a keyed pseudonym of "
    "the id, the age band and the sex.",
    (
        _id("Patient"),
        _c("mrn", "text", True, "Medical record number: an identifier." + _PRIVATE),
        _c("first_name", "text", True, "Given name." + _PRIVATE),
        _c("last_name", "text", True, "Family name." + _PRIVATE),
        _c("date_of_birth", "date", False, "Date of birth." + _PRIVATE),
        _c("sex", "text", False, "Sex.", SEXES),
        _c("phone", "text", False, "Phone number." + _PRIVATE),
        _c("email", "text", False, "Email address." + _PRIVATE),
        _c("address", "text", False, "Postal address." + _PRIVATE),
        *_tail(),
    ),
)

_APPOINTMENTS = _source(
    "appointments",
    "Appointments: booked, then checked in, started and ended, or cancelled or missed.",
    (
        _id("Appointment"),
        _ref("patient_id", "Patient (hospital_patients.id)."),
        _ref("doctor_id", "Doctor (hospital_staff.id)."),
        _ref("department_id", "Department (hospital_departments.id)."),
        _c("booked_at", "ts", True, "When the appointment was made."),
        _c("scheduled_start", "ts", True, "When it is to start; its event time."),
        _c("scheduled_minutes", "int", True, "Planned length (>= 1).", minimum=1),
        _c("checked_in_at", "ts", False, "When the patient checked in."),
        _c("started_at", "ts", False, "When the consultation started."),
        _c("ended_at", "ts", False, "When it ended (>= started_at)."),
        _c("status", "text", True, "State.", APPOINTMENT_STATUSES),
        _c("cancelled_at", "ts", False, "When it was cancelled."),
        _c("notes", "text", False, "Free text." + _PRIVATE),
        *_tail(),
    ),
    event_time_column="scheduled_start",
    order_rules=(OrderRule("ended_at", "started_at"), OrderRule("cancelled_at", "booked_at")),
)

_MEDICAL_RECORDS = _source(
    "medical_records",
    "Medical records, written as drafts and finalized later.",
    (
        _id("Record"),
        _ref("patient_id", "Patient (hospital_patients.id)."),
        _ref("doctor_id", "Author (hospital_staff.id)."),
        _ref("appointment_id", "Appointment it documents, if any.", required=False),
        _c("record_type", "text", True, "Kind of record."),
        _c("status", "text", True, "State.", RECORD_STATUSES),
        _c("diagnosis_code", "text", False, "Diagnosis code."),
        _c("notes", "text", False, "Free text." + _PRIVATE),
        _c("created_at", "ts", True, "When the draft was created; its event time."),
        _c("finalized_at", "ts", False, "When it was finalized (>= created_at)."),
        _c("updated_at", "ts", True, _VERSION),
        _c("deleted_at", "ts", False, _DELETED),
    ),
    event_time_column="created_at",
    order_rules=(OrderRule("finalized_at", "created_at"),),
)

_LAB_TESTS = _source(
    "lab_tests",
    "Laboratory tests: ordered, collected, resulted (completed) or cancelled.",
    (
        _id("Lab test"),
        _ref("patient_id", "Patient (hospital_patients.id)."),
        _ref("ordered_by", "Ordering staff member (hospital_staff.id)."),
        _ref("appointment_id", "Appointment it was ordered at, if any.", required=False),
        _c("test_type", "text", True, "Kind of test."),
        _c("status", "text", True, "State.", LAB_STATUSES),
        _c("ordered_at", "ts", True, "When it was ordered; its event time."),
        _c("collected_at", "ts", False, "When the sample was taken (>= ordered_at)."),
        _c("resulted_at", "ts", False, "When the result was reported (>= ordered_at)."),
        _c("is_abnormal", "bool", False, "The result is outside the reference range."),
        _c("result_value", "numeric", False, "Numeric result."),
        _c("result_text", "text", False, "Free-text result." + _PRIVATE),
        *_tail(),
    ),
    event_time_column="ordered_at",
    order_rules=(
        OrderRule("collected_at", "ordered_at"),
        OrderRule("resulted_at", "ordered_at"),
    ),
)

_INVOICES = _source(
    "invoices",
    "Invoices to patients, per department.",
    (
        _id("Invoice"),
        _ref("patient_id", "Patient (hospital_patients.id)."),
        _ref("appointment_id", "Appointment billed, if any.", required=False),
        _ref("department_id", "Department billing (hospital_departments.id)."),
        _c("issued_at", "ts", True, "When it was issued; its event time."),
        _c("due_at", "ts", True, "When payment is due (>= issued_at)."),
        _c("amount", "numeric", True, "Amount billed (>= 0).", minimum=0),
        _c("currency", "text", True, "ISO currency code."),
        _c("status", "text", True, "Payment state.", INVOICE_STATUSES),
        *_tail(),
    ),
    event_time_column="issued_at",
    order_rules=(OrderRule("due_at", "issued_at"),),
)

_PAYMENTS = _source(
    "payments",
    "Payments against invoices.",
    (
        _id("Payment"),
        _ref("invoice_id", "Invoice paid (hospital_invoices.id)."),
        _c("paid_at", "ts", True, "When it was paid; its event time."),
        _c("amount", "numeric", True, "Amount paid (> 0: at least a cent).", minimum=0.01),
        _c("method", "text", True, "How it was paid.", PAYMENT_METHODS),
        *_tail(),
    ),
    event_time_column="paid_at",
)

_DELETED_ROWS = Source(
    "hospital_deleted_rows",
    "Rows the hospital's database deleted outright (recorded by a trigger): the row of "
    "that table and id counts nowhere from then on.",
    (
        _c("id", "int", True, "Deletion key."),
        _c("table_name", "text", True, "Table of the deleted row.", TABLES),
        _c("row_id", "int", True, "id of the deleted row in that table."),
        _c("deleted_at", "ts", True, "When it was deleted."),
        _c("updated_at", "ts", True, "Set with deleted_at: the extraction's version order."),
    ),
    key=("id",),
    event_time_column="deleted_at",
    pack=PACK,
)

HOSPITAL_SOURCES: tuple[Source, ...] = (
    _DEPARTMENTS,
    _STAFF,
    _PATIENTS,
    _APPOINTMENTS,
    _MEDICAL_RECORDS,
    _LAB_TESTS,
    _INVOICES,
    _PAYMENTS,
    _DELETED_ROWS,
)

# What staging never passes on (docs/metrics.md, "Privacy: what never leaves
# schema raw"): identifying columns, free text, the patient id itself, and
# columns no metric reads.
NOT_STAGED: dict[str, tuple[str, ...]] = {
    "hospital_staff": ("full_name", "email"),
    "hospital_patients": (
        "id", "mrn", "first_name", "last_name", "date_of_birth", "phone", "email", "address",
    ),
    "hospital_appointments": ("patient_id", "notes"),
    "hospital_medical_records": ("patient_id", "diagnosis_code", "notes"),
    "hospital_lab_tests": ("patient_id", "result_value", "result_text"),
    "hospital_invoices": ("patient_id",),
}  # fmt: skip
# What staging adds instead: on every row about a patient its keyed pseudonym
# (patient_key), the age band at the row's event day and the sex; on every
# row of an operational table its deletion (soft, hard or cascaded).
_ABOUT_A_PATIENT = ("patient_key", "age_band", "sex", "is_deleted")
STAGED_EXTRA: dict[str, tuple[str, ...]] = {
    "hospital_departments": ("is_deleted",),
    "hospital_staff": ("is_deleted",),
    "hospital_patients": ("patient_key", "age_band", "is_deleted"),
    "hospital_appointments": _ABOUT_A_PATIENT,
    "hospital_medical_records": _ABOUT_A_PATIENT,
    "hospital_lab_tests": _ABOUT_A_PATIENT,
    "hospital_invoices": _ABOUT_A_PATIENT,
    "hospital_payments": ("is_deleted",),
}
