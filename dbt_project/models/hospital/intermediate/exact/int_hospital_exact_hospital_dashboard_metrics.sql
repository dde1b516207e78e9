{#- hospital_dashboard_metrics' exact figures, for the as-of date D only:
    one row per (department, metric): the current period D-29..D against
    the previous D-59..D-30, stocks at the end of D and of D-30. Department
    rows (appointments, revenue) for each department with an appointment
    scheduled or an invoice issued on or before D; all-departments rows
    (department_id null) once any daily table has a row. -#}

with

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

    {#- Some daily table has a row (and so a month of monthly_summary). -#}
    select exists(select 1 from {{ ref('int_hospital_months') }}) as any_fact

),

period_values as (

    select * from {{ ref('int_hospital_dashboard_hospital_values') }}
    union all
    select * from {{ ref('int_hospital_dashboard_department_values') }}

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
