{#- hospital_dashboard_metrics' exact figures, for the as-of date D only:
    one row per (department, metric): the current period D-29..D against
    the previous D-59..D-30, stocks at the end of D and of D-30. Department
    rows (appointments, revenue) for each department with an appointment
    scheduled or an invoice issued on or before D; all-departments rows
    (department_id null) once any daily table has a row. -#}

with

periods as (

    select
        'current' as period,
        {{ hospital_as_of_date() }} - 29 as first_day,
        {{ hospital_as_of_date() }} as last_day
    union all
    select
        'previous',
        {{ hospital_as_of_date() }} - 59,
        {{ hospital_as_of_date() }} - 30

),

metrics (metric_name, category, by_department, is_count, sort_order) as (

    values
        ('new_patients', 'patients', false, true, 1),
        ('active_patients', 'patients', false, true, 2),
        ('total_appointments', 'appointments', true, true, 3),
        ('completed_appointments', 'appointments', true, true, 4),
        ('no_show_rate', 'appointments', true, false, 5),
        ('waiting_time_p50_minutes', 'appointments', true, false, 6),
        ('records_created', 'medical_records', false, true, 7),
        ('drafts_open', 'medical_records', false, true, 8),
        ('finalize_time_p50_hours', 'medical_records', false, false, 9),
        ('lab_tests_ordered', 'lab_tests', false, true, 10),
        ('pending_backlog', 'lab_tests', false, true, 11),
        ('turnaround_p50_hours', 'lab_tests', false, false, 12),
        ('billed_amount', 'revenue', true, true, 13),
        ('collected_amount', 'revenue', true, true, 14),
        ('outstanding_receivables', 'revenue', true, true, 15)

),

patient_days as (

    select
        metric_date,
        new_patients,
        active_patients
    from {{ ref('int_hospital_exact_patient_analytics') }}

),

record_days as (

    select
        metric_date,
        records_created,
        drafts_open
    from {{ ref('int_hospital_exact_medical_records_analytics') }}

),

lab_days as (

    select
        metric_date,
        tests_ordered,
        pending_backlog
    from {{ ref('int_hospital_exact_lab_tests_analytics') }}
    where test_type is null

),

revenue_days as (

    select
        department_id,
        metric_date,
        invoices_issued,
        billed_amount,
        payments_received,
        collected_amount,
        outstanding_receivables,
        open_invoices
    from {{ ref('int_hospital_exact_revenue_analytics') }}

),

appointments as (

    select
        department_id,
        scheduled_day,
        status,
        case when status = 'completed' and started_at is not null then
            greatest({{ hospital_duration('started_at', 'greatest(scheduled_start, checked_in_at)', 60) }}, 0)
        end as waiting_time_minutes
    from {{ ref('int_hospital_appointments') }}

),

appointment_days as (

    select metric_date from {{ ref('int_hospital_exact_appointment_analytics') }}

),

departments as (

    select department_id
    from {{ ref('int_hospital_appointments') }}
    where scheduled_day <= {{ hospital_as_of_date() }}
    union
    select department_id
    from {{ ref('int_hospital_invoices') }}
    where issued_day <= {{ hospital_as_of_date() }}

),

has_facts as (

    select exists (
        select 1 from patient_days
        union all
        select 1 from record_days
        union all
        select 1 from lab_days
        union all
        select 1 from revenue_days
        union all
        select 1 from appointment_days
    ) as any_fact
    where {{ hospital_as_of_date() }} is not null

),

{#- (department_id, metric_name, period, value, value_rows, numerator) -#}
hospital_wide as (

    select
        null::bigint as department_id,
        metric.metric_name,
        period.period,
        case metric.metric_name
            when 'new_patients' then (select sum(day.new_patients) from patient_days as day
                where day.metric_date between period.first_day and period.last_day)
            when 'active_patients' then (select sum(day.active_patients) from patient_days as day
                where day.metric_date = period.last_day)
            when 'records_created' then (select sum(day.records_created) from record_days as day
                where day.metric_date between period.first_day and period.last_day)
            when 'drafts_open' then (select sum(day.drafts_open) from record_days as day
                where day.metric_date = period.last_day)
            when 'lab_tests_ordered' then (select sum(day.tests_ordered) from lab_days as day
                where day.metric_date between period.first_day and period.last_day)
            when 'pending_backlog' then (select sum(day.pending_backlog) from lab_days as day
                where day.metric_date = period.last_day)
        end::numeric as value,
        null::bigint as value_rows,
        null::bigint as numerator
    from metrics as metric
    cross join periods as period
    where metric.metric_name in (
        'new_patients', 'active_patients', 'records_created', 'drafts_open',
        'lab_tests_ordered', 'pending_backlog'
    )

),

finalize_times as (

    select
        null::bigint as department_id,
        'finalize_time_p50_hours' as metric_name,
        period.period,
        {{ hospital_percentile(0.5, hospital_duration('record.finalized_at', 'record.created_at', 3600)) }} as value,
        count(*) as value_rows,
        null::bigint as numerator
    from periods as period
    inner join {{ ref('int_hospital_medical_records') }} as record
        on record.finalized_day between period.first_day and period.last_day
    group by period.period

),

turnarounds as (

    select
        null::bigint as department_id,
        'turnaround_p50_hours' as metric_name,
        period.period,
        {{ hospital_percentile(0.5, hospital_duration('test.resulted_at', 'test.ordered_at', 3600)) }} as value,
        count(*) as value_rows,
        null::bigint as numerator
    from periods as period
    inner join {{ ref('int_hospital_lab_tests') }} as test
        on test.resulted_day between period.first_day and period.last_day
        and test.status = 'completed'
    group by period.period

),

appointment_periods as (

    select
        appointment.department_id,
        period.period,
        count(*) as total_appointments,
        count(*) filter (where appointment.status = 'completed') as completed_appointments,
        count(*) filter (where appointment.status = 'no_show') as no_show_appointments,
        {{ hospital_percentile(0.5, 'appointment.waiting_time_minutes') }} as waiting_time_p50_minutes,
        count(appointment.waiting_time_minutes) as waiting_time_rows
    from periods as period
    inner join appointments as appointment
        on appointment.scheduled_day between period.first_day and period.last_day
    group by grouping sets ((period.period, appointment.department_id), (period.period))

),

appointment_values as (

    select
        department_id,
        'total_appointments' as metric_name,
        period,
        total_appointments::numeric as value,
        null::bigint as value_rows,
        null::bigint as numerator
    from appointment_periods
    union all
    select department_id, 'completed_appointments', period, completed_appointments, null, null
    from appointment_periods
    union all
    select
        department_id,
        'no_show_rate',
        period,
        {{ safe_ratio('no_show_appointments', 'completed_appointments + no_show_appointments') }},
        completed_appointments + no_show_appointments,
        no_show_appointments
    from appointment_periods
    union all
    select department_id, 'waiting_time_p50_minutes', period, waiting_time_p50_minutes, waiting_time_rows, null
    from appointment_periods

),

revenue_periods as (

    select
        day.department_id,
        period.period,
        sum(day.billed_amount) filter (where day.metric_date >= period.first_day) as billed_amount,
        sum(day.invoices_issued) filter (where day.metric_date >= period.first_day) as invoices_issued,
        sum(day.collected_amount) filter (where day.metric_date >= period.first_day) as collected_amount,
        sum(day.payments_received) filter (where day.metric_date >= period.first_day) as payments_received,
        sum(day.outstanding_receivables) filter (where day.metric_date = period.last_day) as outstanding_receivables,
        sum(day.open_invoices) filter (where day.metric_date = period.last_day) as open_invoices
    from periods as period
    inner join revenue_days as day
        on day.metric_date between period.first_day and period.last_day
    group by day.department_id, period.period

),

revenue_values as (

    select
        department_id,
        'billed_amount' as metric_name,
        period,
        billed_amount as value,
        invoices_issued::bigint as value_rows,
        null::bigint as numerator
    from revenue_periods
    union all
    select department_id, 'collected_amount', period, collected_amount, payments_received::bigint, null
    from revenue_periods
    union all
    select department_id, 'outstanding_receivables', period, outstanding_receivables, open_invoices::bigint, null
    from revenue_periods

),

period_values as (

    select * from hospital_wide
    union all
    select * from finalize_times
    union all
    select * from turnarounds
    union all
    select * from appointment_values
    union all
    select * from revenue_values

),

grain as (

    select
        metric.metric_name,
        metric.category,
        metric.is_count,
        metric.sort_order,
        department.department_id
    from metrics as metric
    cross join has_facts
    inner join (
        select null::bigint as department_id
        union all
        select department_id from departments
    ) as department
        on department.department_id is null or metric.by_department
    where has_facts.any_fact

),

pivoted as (

    select
        grain.department_id,
        grain.metric_name,
        grain.category,
        grain.is_count,
        grain.sort_order,
        max(value.value) filter (where value.period = 'current') as current_value,
        max(value.value) filter (where value.period = 'previous') as previous_value,
        max(value.value_rows) filter (where value.period = 'current') as current_rows,
        max(value.value_rows) filter (where value.period = 'previous') as previous_rows,
        max(value.numerator) filter (where value.period = 'current') as current_numerator,
        max(value.numerator) filter (where value.period = 'previous') as previous_numerator
    from grain
    left join period_values as value
        on grain.metric_name = value.metric_name
        and grain.department_id is not distinct from value.department_id
    group by grain.department_id, grain.metric_name, grain.category, grain.is_count, grain.sort_order

),

counted as (

    select
        department_id,
        metric_name,
        category,
        sort_order,
        case when is_count then coalesce(current_value, 0) else current_value end as current_value,
        case when is_count then coalesce(previous_value, 0) else previous_value end as previous_value,
        {#- A count's weight is the count itself; a money column's, its rows. -#}
        case
            when metric_name in ('billed_amount', 'collected_amount', 'outstanding_receivables')
                then coalesce(current_rows, 0)
            when is_count then coalesce(current_value, 0)::bigint
            else coalesce(current_rows, 0)
        end as current_rows,
        case
            when metric_name in ('billed_amount', 'collected_amount', 'outstanding_receivables')
                then coalesce(previous_rows, 0)
            when is_count then coalesce(previous_value, 0)::bigint
            else coalesce(previous_rows, 0)
        end as previous_rows,
        case when metric_name = 'no_show_rate' then coalesce(current_numerator, 0) end as current_numerator,
        case when metric_name = 'no_show_rate' then coalesce(previous_numerator, 0) end as previous_numerator
    from pivoted

),

final as (

    select
        {{ hospital_as_of_date() }} as as_of_date,
        department_id,
        metric_name,
        category,
        current_value,
        previous_value,
        {{ change_pct('current_value', 'previous_value') }} as change_percentage,
        current_rows,
        previous_rows,
        current_numerator,
        previous_numerator
    from counted
    order by department_id nulls first, sort_order

)

select * from final
