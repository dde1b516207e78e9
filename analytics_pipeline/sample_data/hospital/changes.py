"""A day in the hospital between two extracts: a fraction of the rows of each
mutable table changes the way the application changes them, new patients
register and book, a few rows are soft-deleted and a few deleted for good
(which the schema's trigger records in hospital.deleted_rows).

Every changed row really changes (its updated_at moves with it), the rows of
the kinds of change in one table are distinct, and the choices follow from
the seed and the database's rows alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from psycopg2.extras import execute_values

from .billing import METHOD_WEIGHTS, METHODS
from .people import build_patients, phones
from .tables import DAY, HOUR, MINUTE, copy_rows, epoch, moment, pick
from .visits import APPOINTMENT_NOTES, lab_results, notes, schedule_slots, visit_times
from .vocabulary import LAB_TESTS

LAB_CODES = {lab.code: i for i, lab in enumerate(LAB_TESTS)}


def apply_changes(cursor, *, seed: int, fraction: float, now_date: date | None) -> dict[str, int]:
    """Change the hospital on `now_date` (by default the day after the latest booking)."""
    rng = np.random.default_rng(seed)
    if now_date is None:
        cursor.execute("select max(created_at)::date from hospital.appointments")
        now_date = cursor.fetchone()[0] + timedelta(days=1)
    day = epoch(now_date)
    hospital = _Day(cursor, rng, day, fraction)
    counts: dict[str, int] = {}
    counts["appointments_closed"] = hospital.close_appointments()
    counts["records_finalized"] = hospital.finalize_records()
    counts["lab_tests_resulted"] = hospital.result_lab_tests()
    counts["invoices_paid"] = counts["payments_new"] = hospital.pay_invoices()
    counts["patients_phone_changed"] = hospital.change_phones()
    counts["patients_new"], counts["appointments_new"] = hospital.register_and_book()
    counts["appointments_soft_deleted"], counts["patients_soft_deleted"] = hospital.soft_delete()
    counts["lab_tests_deleted"], counts["payments_deleted"] = hospital.hard_delete()
    return counts


class _Day:
    """The changes of one day (`day`, epoch seconds of its start), in one transaction."""

    def __init__(self, cursor, rng: np.random.Generator, day: int, fraction: float):
        self.cur, self.rng, self.day, self.fraction = cursor, rng, day, fraction
        self.touched: defaultdict[str, set[int]] = defaultdict(set)

    def _rows(self, sql: str, **params) -> list[tuple]:
        self.cur.execute(sql, params)
        return self.cur.fetchall()

    def _size(self, table: str, share: float = 1.0) -> int:
        (total,) = self._rows(f"select count(*) from hospital.{table}")[0]
        return max(1, round(self.fraction * total * share))

    def _choose(self, table: str, rows: list[tuple], k: int) -> list[tuple]:
        """`k` (or all) of `rows` (in id order) that no other change of the day touched."""
        touched = self.touched[table]
        free = [row for row in rows if row[0] not in touched]
        index = np.sort(self.rng.choice(len(free), min(k, len(free)), replace=False))
        chosen = [free[i] for i in index.tolist()]
        touched.update(row[0] for row in chosen)
        return chosen

    def _choose_first(self, table: str, preferred: list[tuple], others: list[tuple], k: int):
        """`k` rows as `_choose` does, of `preferred` first, of `others` when too few."""
        chosen = self._choose(table, preferred, k)
        return sorted(chosen + self._choose(table, others, k - len(chosen)))

    def _moments(self, n: int) -> np.ndarray:
        """Moments of the day's working hours."""
        return self.day + self.rng.integers(7 * HOUR, 20 * HOUR, n)

    def _update(self, table: str, columns: dict[str, str], rows: list[tuple]) -> int:
        """Set `columns` (name: SQL type) of the rows (id, *values)."""
        if rows:
            assigns = ", ".join(f"{c} = v.{c}" for c in columns)
            template = "(%s, " + ", ".join(f"%s::{t}" for t in columns.values()) + ")"
            execute_values(
                self.cur,
                f"update hospital.{table} t set {assigns} from (values %s)"
                f" v(id, {', '.join(columns)}) where t.id = v.id",
                rows,
                template=template,
            )
        return len(rows)

    def close_appointments(self) -> int:
        """Scheduled appointments of the past closed (completed, cancelled late or
        missed), future ones cancelled when there are too few."""
        rows = self._rows(
            "select id, extract(epoch from booked_at)::bigint,"
            " extract(epoch from scheduled_start)::bigint, scheduled_minutes"
            " from hospital.appointments where status = 'scheduled' and deleted_at is null"
            " order by id"
        )
        past = [row for row in rows if row[2] < self.day]
        future = [row for row in rows if row[2] >= self.day]
        chosen = self._choose_first("appointments", past, future, self._size("appointments"))
        n = len(chosen)
        ids = [r[0] for r in chosen]
        booked, scheduled, minutes = (
            np.array([r[i] for r in chosen], dtype=np.int64) for i in (1, 2, 3)
        )
        past = scheduled < self.day
        r = self.rng.random(n)
        status = np.where(r < 0.8, "completed", np.where(r < 0.92, "cancelled", "no_show"))
        status = np.where(past, status, "cancelled")
        checked_in, started, ended = visit_times(self.rng, scheduled, minutes)
        cancelled = np.where(
            past,
            booked + ((scheduled - booked) * self.rng.uniform(0.05, 0.95, n)).astype(np.int64),
            np.minimum(np.maximum(self._moments(n), booked + MINUTE), scheduled - 15 * MINUTE),
        )
        done = status == "completed"
        values = [
            (
                i,
                s,
                moment(c) if d else None,
                moment(st) if d else None,
                moment(e) if d else None,
                moment(ca) if s == "cancelled" else None,
            )
            for i, s, c, st, e, ca, d in zip(
                ids, status.tolist(), checked_in, started, ended, cancelled, done, strict=True
            )
        ]
        columns = {"status": "text", "checked_in_at": "timestamptz", "started_at": "timestamptz",
                   "ended_at": "timestamptz", "cancelled_at": "timestamptz"}  # fmt: skip
        return self._update("appointments", columns, values)

    def finalize_records(self) -> int:
        rows = self._rows(
            "select id, extract(epoch from created_at)::bigint from hospital.medical_records"
            " where status = 'draft' and deleted_at is null order by id"
        )
        chosen = self._choose("medical_records", rows, self._size("medical_records"))
        at = np.maximum(
            np.array([r[1] for r in chosen], dtype=np.int64) + 30 * MINUTE,
            self._moments(len(chosen)),
        )
        values = [(r[0], "finalized", moment(a)) for r, a in zip(chosen, at.tolist(), strict=True)]
        return self._update(
            "medical_records", {"status": "text", "finalized_at": "timestamptz"}, values
        )

    def result_lab_tests(self) -> int:
        rows = self._rows(
            "select id, test_type, extract(epoch from ordered_at)::bigint,"
            " extract(epoch from collected_at)::bigint from hospital.lab_tests"
            " where status in ('ordered', 'collected') and deleted_at is null order by id"
        )
        chosen = self._choose("lab_tests", rows, self._size("lab_tests"))
        collected = np.array(
            [r[2] + 30 * MINUTE if r[3] is None else r[3] for r in chosen], dtype=np.int64
        )
        resulted = np.maximum(collected + HOUR, self._moments(len(chosen)))
        types = np.array([LAB_CODES.get(r[1], 0) for r in chosen], dtype=np.int64)
        abnormal, values, texts = lab_results(self.rng, types)
        rows_out = [
            (r[0], "completed", moment(c), moment(x), bool(a), v, t)
            for r, c, x, a, v, t in zip(
                chosen, collected, resulted, abnormal, values, texts, strict=True
            )
        ]
        columns = {
            "status": "text", "collected_at": "timestamptz", "resulted_at": "timestamptz",
            "is_abnormal": "boolean", "result_value": "numeric", "result_text": "text",
        }  # fmt: skip
        return self._update("lab_tests", columns, rows_out)

    def pay_invoices(self) -> int:
        """Open invoices paid off, each by a new payment of what is left."""
        rows = self._rows(
            "with paid as (select invoice_id, sum(amount) as amount from hospital.payments"
            " where deleted_at is null group by invoice_id)"
            " select i.id, extract(epoch from i.issued_at)::bigint,"
            " i.amount - coalesce(paid.amount, 0) from hospital.invoices i"
            " left join paid on paid.invoice_id = i.id"
            " where i.status in ('open', 'partially_paid') and i.deleted_at is null"
            " and i.amount > coalesce(paid.amount, 0) order by i.id"
        )
        chosen = self._choose("invoices", rows, self._size("invoices"))
        if not chosen:
            return 0
        (next_id,) = self._rows("select coalesce(max(id), 0) + 1 from hospital.payments")[0]
        paid = np.maximum(
            np.array([r[1] for r in chosen], dtype=np.int64) + HOUR, self._moments(len(chosen))
        )
        n = len(chosen)
        copy_rows(
            self.cur,
            "payments",
            {
                "id": np.arange(next_id, next_id + n),
                "invoice_id": [r[0] for r in chosen],
                "paid_at": paid,
                "amount": [r[2] for r in chosen],
                "method": pick(self.rng, METHODS, n, METHOD_WEIGHTS).tolist(),
                "created_at": paid + self.rng.integers(0, 10 * MINUTE, n),
            },
        )
        return self._update("invoices", {"status": "text"}, [(r[0], "paid") for r in chosen])

    def change_phones(self) -> int:
        rows = self._rows(
            "select id, phone from hospital.patients where deleted_at is null order by id"
        )
        chosen = self._choose("patients", rows, self._size("patients"))
        values = []
        for (patient, old), new in zip(chosen, phones(self.rng, len(chosen)), strict=True):
            while new == old:
                new = phones(self.rng, 1)[0]
            values.append((patient, new))
        return self._update("patients", {"phone": "text"}, values)

    def register_and_book(self) -> tuple[int, int]:
        """New patients registered today, new appointments booked today (by them too)."""
        (next_patient,) = self._rows("select coalesce(max(id), 0) + 1 from hospital.patients")[0]
        new_patients = build_patients(
            self.rng,
            self._size("patients"),
            self.day,
            self.day + DAY,
            next_patient,
            existing_share=0.0,
        )
        n_patients = copy_rows(self.cur, "patients", new_patients)
        self.touched["patients"].update(new_patients["id"].tolist())

        patients = self._rows(
            "select id, extract(epoch from created_at)::bigint from hospital.patients"
            " where deleted_at is null order by id"
        )
        doctors = self._rows(
            "select id, department_id from hospital.staff"
            " where role = 'doctor' and deleted_at is null order by id"
        )
        n = self._size("appointments")
        (next_id,) = self._rows("select coalesce(max(id), 0) + 1 from hospital.appointments")[0]
        patient = self.rng.integers(0, len(patients), n)
        doctor = self.rng.integers(0, len(doctors), n)
        created = np.array([patients[p][1] for p in patient.tolist()], dtype=np.int64)
        booked = np.maximum(self._moments(n), created + 5 * MINUTE)
        scheduled, minutes = schedule_slots(self.rng, self.day + self.rng.integers(1, 31, n) * DAY)
        order = np.argsort(booked, kind="stable")
        new_ids = np.arange(next_id, next_id + n)
        copy_rows(
            self.cur,
            "appointments",
            {
                "id": new_ids,
                "patient_id": [patients[p][0] for p in patient[order].tolist()],
                "doctor_id": [doctors[d][0] for d in doctor[order].tolist()],
                "department_id": [doctors[d][1] for d in doctor[order].tolist()],
                "booked_at": booked[order],
                "scheduled_start": scheduled[order],
                "scheduled_minutes": minutes[order],
                "status": ["scheduled"] * n,
                "notes": notes(self.rng, APPOINTMENT_NOTES, n, share=0.65),
                "created_at": booked[order],
            },
        )
        self.touched["appointments"].update(new_ids.tolist())
        return n_patients, n

    def soft_delete(self) -> tuple[int, int]:
        """A few scheduled appointments entered twice and a duplicate patient deleted."""
        rows = self._rows(
            "select id from hospital.appointments"
            " where status = 'scheduled' and deleted_at is null order by id"
        )
        appointments = self._choose("appointments", rows, self._size("appointments", 0.2))
        rows = self._rows("select id from hospital.patients where deleted_at is null order by id")
        patients = self._choose("patients", rows, 1)
        for table, chosen in (("appointments", appointments), ("patients", patients)):
            at = self._moments(len(chosen)).tolist()
            self._update(
                table,
                {"deleted_at": "timestamptz"},
                [(r[0], moment(a)) for r, a in zip(chosen, at, strict=True)],
            )
        return len(appointments), len(patients)

    def hard_delete(self) -> tuple[int, int]:
        """Lab tests entered in error (cancelled ones first) and soft-deleted payments
        purged: rows nothing refers to."""
        rows = self._rows("select id, status = 'cancelled' from hospital.lab_tests order by id")
        tests = self._choose_first(
            "lab_tests",
            [r for r in rows if r[1]],
            [r for r in rows if not r[1]],
            self._size("lab_tests", 0.2),
        )
        payments = self._choose(
            "payments",
            self._rows("select id from hospital.payments where deleted_at is not null order by id"),
            self._size("payments", 0.2),
        )
        for table, chosen in (("lab_tests", tests), ("payments", payments)):
            if chosen:
                self.cur.execute(
                    f"delete from hospital.{table} where id = any(%s)", ([r[0] for r in chosen],)
                )
        return len(tests), len(payments)
