-- The hospital system's own (operational) database, shaped after seed 000:
-- what the pipeline extracts from (analytics_pipeline/ingest/extract), never writes
-- to. The sample generator creates it in a database of its own on the
-- embedded server and fills it; a real deployment points the extractor at
-- the hospital's database, which has these tables (or views of this shape).
--
-- Conventions the extractor relies on:
--   * every table has an integer primary key `id` and `updated_at`, set by
--     the trigger below on every insert and update (clock time of the
--     statement's row, not of the transaction), so an incremental read by
--     (updated_at, id) sees every change;
--   * the application deletes by setting `deleted_at` (a soft delete, seen as
--     a change like any other); a hard DELETE is recorded by a trigger in
--     `deleted_rows` (table, id, deleted_at), which the extractor reads too.

create schema if not exists hospital;

create or replace function hospital.touch_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := clock_timestamp();
    return new;
end
$$;

create table if not exists hospital.deleted_rows (
    id          bigserial primary key,
    table_name  text not null,
    row_id      bigint not null,
    deleted_at  timestamptz not null default clock_timestamp(),
    updated_at  timestamptz not null default clock_timestamp()
);

create or replace function hospital.record_deleted_row() returns trigger
language plpgsql as $$
begin
    insert into hospital.deleted_rows (table_name, row_id) values (tg_table_name, old.id);
    return old;
end
$$;

create table if not exists hospital.departments (
    id          integer primary key,
    code        text not null unique,
    name        text not null,
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    deleted_at  timestamptz
);

-- Staff with their role (the seed's users, roles and user_roles in one row:
-- one role per staff member).
create table if not exists hospital.staff (
    id             integer primary key,
    department_id  integer references hospital.departments (id),
    full_name      text not null,
    email          text,
    role           text not null check (role in
                   ('doctor', 'nurse', 'lab_technician', 'receptionist', 'billing', 'admin')),
    specialty      text,
    hired_at       timestamptz,
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    deleted_at     timestamptz
);

create table if not exists hospital.patients (
    id             integer primary key,
    mrn            text not null unique,       -- medical record number: an identifier
    first_name     text not null,
    last_name      text not null,
    date_of_birth  date,
    sex            text check (sex in ('male', 'female', 'other', 'unknown')),
    phone          text,
    email          text,
    address        text,
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    deleted_at     timestamptz
);

create table if not exists hospital.appointments (
    id                 integer primary key,
    patient_id         integer not null references hospital.patients (id),
    doctor_id          integer not null references hospital.staff (id),
    department_id      integer not null references hospital.departments (id),
    booked_at          timestamptz not null,   -- when the appointment was made
    scheduled_start    timestamptz not null,
    scheduled_minutes  integer not null check (scheduled_minutes > 0),
    checked_in_at      timestamptz,
    started_at         timestamptz,            -- the consultation's start
    ended_at           timestamptz,
    status             text not null check (status in
                       ('scheduled', 'completed', 'cancelled', 'no_show')),
    cancelled_at       timestamptz,
    notes              text,                   -- free text: never leaves raw
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    deleted_at         timestamptz
);

create table if not exists hospital.medical_records (
    id              integer primary key,
    patient_id      integer not null references hospital.patients (id),
    doctor_id       integer not null references hospital.staff (id),
    appointment_id  integer references hospital.appointments (id),
    record_type     text not null,
    status          text not null check (status in ('draft', 'finalized')),
    diagnosis_code  text,
    notes           text,                      -- free text: never leaves raw
    created_at      timestamptz not null,
    finalized_at    timestamptz,
    updated_at      timestamptz not null,
    deleted_at      timestamptz
);

create table if not exists hospital.lab_tests (
    id              integer primary key,
    patient_id      integer not null references hospital.patients (id),
    ordered_by      integer not null references hospital.staff (id),
    appointment_id  integer references hospital.appointments (id),
    test_type       text not null,
    status          text not null check (status in
                    ('ordered', 'collected', 'completed', 'cancelled')),
    ordered_at      timestamptz not null,
    collected_at    timestamptz,
    resulted_at     timestamptz,
    is_abnormal     boolean,
    result_value    numeric,
    result_text     text,                      -- free text: never leaves raw
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    deleted_at      timestamptz
);

create table if not exists hospital.invoices (
    id              integer primary key,
    patient_id      integer not null references hospital.patients (id),
    appointment_id  integer references hospital.appointments (id),
    department_id   integer not null references hospital.departments (id),
    issued_at       timestamptz not null,
    due_at          timestamptz not null,
    amount          numeric(12, 2) not null check (amount >= 0),
    currency        text not null default 'USD',
    status          text not null check (status in ('open', 'partially_paid', 'paid', 'void')),
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    deleted_at      timestamptz
);

create table if not exists hospital.payments (
    id          integer primary key,
    invoice_id  integer not null references hospital.invoices (id),
    paid_at     timestamptz not null,
    amount      numeric(12, 2) not null check (amount > 0),
    method      text not null check (method in ('card', 'cash', 'insurance', 'transfer')),
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    deleted_at  timestamptz
);

-- The triggers and the indexes of the incremental read, on every table.
do $$
declare
    name text;
begin
    foreach name in array array[
        'departments', 'staff', 'patients', 'appointments', 'medical_records',
        'lab_tests', 'invoices', 'payments'
    ] loop
        execute format('create or replace trigger touch_updated_at before insert or update'
                       ' on hospital.%I for each row execute function hospital.touch_updated_at()',
                       name);
        execute format('create or replace trigger record_deleted_row after delete'
                       ' on hospital.%I for each row execute function hospital.record_deleted_row()',
                       name);
        execute format('create index if not exists %I on hospital.%I (updated_at, id)',
                       name || '_updated_at_id', name);
    end loop;
end
$$;
create index if not exists deleted_rows_updated_at_id on hospital.deleted_rows (updated_at, id);
