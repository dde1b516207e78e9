{#- The exact daily cells the hospital KPIs add up (int_hospital_exact_kpis):
    one row per department (workspace_id, its id as text) and day from the
    department's first appointment's scheduled day or invoice's issue day
    (or, when earlier, its first revenue row: a payment paid before its
    first invoice) to the as-of date, and per day for all departments
    (workspace_id null) from the first day any daily table has a row. Each
    figure is the exact daily table's cell of that row and day, 0 where it
    has none (the hospital-wide figures: 0 on department rows). -#}

with

appointment_days as (

    select
        department_id::text as workspace_id,
        metric_date,
        total_appointments,
        completed_appointments,
        no_show_appointments
    from {{ ref('int_hospital_exact_appointment_analytics') }}

),

revenue_days as (

    select
        department_id::text as workspace_id,
        metric_date,
        invoices_issued,
        billed_amount,
        payments_received,
        collected_amount
    from {{ ref('int_hospital_exact_revenue_analytics') }}

),

patient_days as (

    select
        metric_date,
        new_patients
    from {{ ref('int_hospital_exact_patient_analytics') }}

),

record_days as (

    select
        metric_date,
        records_created,
        records_finalized
    from {{ ref('int_hospital_exact_medical_records_analytics') }}

),

lab_days as (

    select
        metric_date,
        tests_ordered,
        tests_completed
    from {{ ref('int_hospital_exact_lab_tests_analytics') }}
    where test_type is null

),

first_days as (

    {#- A department from its first appointment's scheduled day, invoice's
        issue day or revenue row; all departments (null) from the first row
        of any daily table. -#}
    select
        department_id::text as workspace_id,
        scheduled_day as first_day
    from {{ ref('int_hospital_appointments') }}
    union all
    select
        department_id::text as workspace_id,
        issued_day
    from {{ ref('int_hospital_invoices') }}
    union all
    select
        workspace_id,
        metric_date
    from revenue_days
    union all
    select
        workspace_id,
        metric_date
    from appointment_days
    where workspace_id is null
    union all
    select
        null as workspace_id,
        metric_date
    from patient_days
    union all
    select
        null as workspace_id,
        metric_date
    from record_days
    union all
    select
        null as workspace_id,
        metric_date
    from lab_days

),

grid as (

    select
        workspace_id,
        generate_series(
            min(first_day)::timestamp, {{ hospital_as_of_date() }}::timestamp, interval '1 day'
        )::date as metric_date
    from first_days
    group by workspace_id

),

final as (

    select
        grid.workspace_id,
        grid.metric_date,
        coalesce(patient.new_patients, 0) as new_patients,
        coalesce(appointment.total_appointments, 0) as total_appointments,
        coalesce(appointment.completed_appointments, 0) as completed_appointments,
        coalesce(appointment.no_show_appointments, 0) as no_show_appointments,
        coalesce(record.records_created, 0) as records_created,
        coalesce(record.records_finalized, 0) as records_finalized,
        coalesce(lab.tests_ordered, 0) as lab_tests_ordered,
        coalesce(lab.tests_completed, 0) as lab_tests_completed,
        coalesce(revenue.invoices_issued, 0) as invoices_issued,
        coalesce(revenue.billed_amount, 0) as billed_amount,
        coalesce(revenue.payments_received, 0) as payments_received,
        coalesce(revenue.collected_amount, 0) as collected_amount
    from grid
    left join appointment_days as appointment
        on grid.metric_date = appointment.metric_date
        and {{ same_workspace('grid.workspace_id', 'appointment.workspace_id') }}
    left join revenue_days as revenue
        on grid.metric_date = revenue.metric_date
        and {{ same_workspace('grid.workspace_id', 'revenue.workspace_id') }}
    left join patient_days as patient
        on grid.metric_date = patient.metric_date and grid.workspace_id is null
    left join record_days as record
        on grid.metric_date = record.metric_date and grid.workspace_id is null
    left join lab_days as lab
        on grid.metric_date = lab.metric_date and grid.workspace_id is null

)

select * from final
