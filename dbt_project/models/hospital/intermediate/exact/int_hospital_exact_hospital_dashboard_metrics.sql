{#- hospital_dashboard_metrics' exact figures, for the as-of date D only:
    one row per (department, metric): the current period D-29..D against
    the previous D-59..D-30, stocks at the end of D and of D-30. Department
    rows (appointments, revenue) for each department with an appointment
    scheduled or an invoice issued on or before D; all-departments rows
    (department_id null) once any daily table has a row. -#}

with

periods as (

    select
        'current' as period_name,
        {{ hospital_as_of_date() }} - 29 as first_day,
        {{ hospital_as_of_date() }} as last_day
    union all
    select
        'previous' as period_name,
        {{ hospital_as_of_date() }} - 59 as first_day,
        {{ hospital_as_of_date() }} - 30 as last_day

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
        {{ hospital_waiting_minutes() }} as waiting_time_minutes
    from {{ ref('int_hospital_appointments') }}

),

appointment_days as (

    select metric_date
    from {{ ref('int_hospital_exact_appointment_analytics') }}

),

departments as (

    {#- The department rows, and the all-departments row (null). -#}
    select department_id
    from {{ ref('int_hospital_appointments') }}
    where scheduled_day <= {{ hospital_as_of_date() }}
    union
    select department_id
    from {{ ref('int_hospital_invoices') }}
    where issued_day <= {{ hospital_as_of_date() }}
    union
    select null::bigint as department_id

),

has_facts as (

    select
        exists(
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

hospital_days as (

    {#- The hospital-wide daily figures: a flow sums over a period's days, a
        stock is its value on the period's last day. -#}
    select
        'new_patients' as metric_name,
        false as is_stock,
        metric_date,
        new_patients as day_value
    from patient_days
    union all
    select
        'active_patients' as metric_name,
        true as is_stock,
        metric_date,
        active_patients as day_value
    from patient_days
    union all
    select
        'records_created' as metric_name,
        false as is_stock,
        metric_date,
        records_created as day_value
    from record_days
    union all
    select
        'drafts_open' as metric_name,
        true as is_stock,
        metric_date,
        drafts_open as day_value
    from record_days
    union all
    select
        'lab_tests_ordered' as metric_name,
        false as is_stock,
        metric_date,
        tests_ordered as day_value
    from lab_days
    union all
    select
        'pending_backlog' as metric_name,
        true as is_stock,
        metric_date,
        pending_backlog as day_value
    from lab_days

),

hospital_wide as (

    {#- Each CTE from here to period_values gives (department_id,
        metric_name, period_name, period_value, value_rows, numerator). -#}
    select
        null::bigint as department_id,
        daily.metric_name,
        span.period_name,
        sum(daily.day_value) filter (
            where not daily.is_stock or daily.metric_date = span.last_day
        )::numeric as period_value,
        null::bigint as value_rows,
        null::bigint as numerator
    from periods as span
    inner join hospital_days as daily
        on daily.metric_date between span.first_day and span.last_day
    group by daily.metric_name, span.period_name

),

finalize_times as (

    select
        null::bigint as department_id,
        'finalize_time_p50_hours' as metric_name,
        span.period_name,
        {{ hospital_percentile(
            0.5, hospital_duration('record.finalized_at', 'record.created_at', 3600)
        ) }} as period_value,
        count(*) as value_rows,
        null::bigint as numerator
    from periods as span
    inner join {{ ref('int_hospital_medical_records') }} as record
        on record.finalized_day between span.first_day and span.last_day
    group by span.period_name

),

turnarounds as (

    select
        null::bigint as department_id,
        'turnaround_p50_hours' as metric_name,
        span.period_name,
        {{ hospital_percentile(
            0.5, hospital_duration('test.resulted_at', 'test.ordered_at', 3600)
        ) }} as period_value,
        count(*) as value_rows,
        null::bigint as numerator
    from periods as span
    inner join {{ ref('int_hospital_lab_tests') }} as test
        on test.resulted_day between span.first_day and span.last_day
        and test.status = 'completed'
    group by span.period_name

),

appointment_periods as (

    select
        appointment.department_id,
        span.period_name,
        count(*) as total_appointments,
        count(*) filter (where appointment.status = 'completed') as completed_appointments,
        count(*) filter (where appointment.status = 'no_show') as no_show_appointments,
        {{ hospital_percentile(0.5, 'appointment.waiting_time_minutes') }}
            as waiting_time_p50_minutes,
        count(appointment.waiting_time_minutes) as waiting_time_rows
    from periods as span
    inner join appointments as appointment
        on appointment.scheduled_day between span.first_day and span.last_day
    group by grouping sets ((span.period_name, appointment.department_id), (span.period_name))

),

appointment_values as (

    select
        department_id,
        'total_appointments' as metric_name,
        period_name,
        total_appointments::numeric as period_value,
        null::bigint as value_rows,
        null::bigint as numerator
    from appointment_periods
    union all
    select
        department_id,
        'completed_appointments' as metric_name,
        period_name,
        completed_appointments as period_value,
        null as value_rows,
        null as numerator
    from appointment_periods
    union all
    select
        department_id,
        'no_show_rate' as metric_name,
        period_name,
        {{ hospital_no_show_rate('no_show_appointments', 'completed_appointments') }}
            as period_value,
        completed_appointments + no_show_appointments as value_rows,
        no_show_appointments as numerator
    from appointment_periods
    union all
    select
        department_id,
        'waiting_time_p50_minutes' as metric_name,
        period_name,
        waiting_time_p50_minutes as period_value,
        waiting_time_rows as value_rows,
        null as numerator
    from appointment_periods

),

revenue_periods as (

    select
        daily.department_id,
        span.period_name,
        sum(daily.billed_amount) filter (where daily.metric_date >= span.first_day)
            as billed_amount,
        sum(daily.invoices_issued) filter (where daily.metric_date >= span.first_day)
            as invoices_issued,
        sum(daily.collected_amount) filter (where daily.metric_date >= span.first_day)
            as collected_amount,
        sum(daily.payments_received) filter (where daily.metric_date >= span.first_day)
            as payments_received,
        sum(daily.outstanding_receivables) filter (where daily.metric_date = span.last_day)
            as outstanding_receivables,
        sum(daily.open_invoices) filter (where daily.metric_date = span.last_day)
            as open_invoices
    from periods as span
    inner join revenue_days as daily
        on daily.metric_date between span.first_day and span.last_day
    group by daily.department_id, span.period_name

),

revenue_values as (

    select
        department_id,
        'billed_amount' as metric_name,
        period_name,
        billed_amount as period_value,
        invoices_issued::bigint as value_rows,
        null::bigint as numerator
    from revenue_periods
    union all
    select
        department_id,
        'collected_amount' as metric_name,
        period_name,
        collected_amount as period_value,
        payments_received::bigint as value_rows,
        null as numerator
    from revenue_periods
    union all
    select
        department_id,
        'outstanding_receivables' as metric_name,
        period_name,
        outstanding_receivables as period_value,
        open_invoices::bigint as value_rows,
        null as numerator
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
    inner join departments as department
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
        max(fact.period_value) filter (where fact.period_name = 'current') as current_value,
        max(fact.period_value) filter (where fact.period_name = 'previous') as previous_value,
        max(fact.value_rows) filter (where fact.period_name = 'current') as current_rows,
        max(fact.value_rows) filter (where fact.period_name = 'previous') as previous_rows,
        max(fact.numerator) filter (where fact.period_name = 'current') as current_numerator,
        max(fact.numerator) filter (where fact.period_name = 'previous') as previous_numerator
    from grain
    left join period_values as fact
        on grain.metric_name = fact.metric_name
        and grain.department_id is not distinct from fact.department_id
    group by
        grain.department_id, grain.metric_name, grain.category, grain.is_count, grain.sort_order

),

counted as (

    select
        department_id,
        metric_name,
        category,
        sort_order,
        case when is_count then coalesce(current_value, 0) else current_value end as current_value,
        case when is_count then coalesce(previous_value, 0) else previous_value end
            as previous_value,
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
        case when metric_name = 'no_show_rate' then coalesce(current_numerator, 0) end
            as current_numerator,
        case when metric_name = 'no_show_rate' then coalesce(previous_numerator, 0) end
            as previous_numerator
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
