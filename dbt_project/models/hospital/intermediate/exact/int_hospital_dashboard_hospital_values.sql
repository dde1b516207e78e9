{#- The hospital-wide values of hospital_dashboard_metrics as of D, per
    period ('current' D-29..D, 'previous' D-59..D-30): (department_id null,
    metric_name, period_name, period_value, value_rows, numerator). Flows
    sum over the period's days, stocks are the value of its last day;
    medians over the rows of the period. -#}

with

periods as (

    {{ hospital_dashboard_periods() }}

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

final as (

    select * from hospital_wide
    union all
    select * from finalize_times
    union all
    select * from turnarounds

)

select * from final
