{#- The department values (appointments, revenue) of
    hospital_dashboard_metrics as of D, per department and for all
    departments (department_id null), per period ('current' D-29..D,
    'previous' D-59..D-30): (department_id, metric_name, period_name,
    period_value, value_rows, numerator). -#}

with

periods as (

    {{ hospital_dashboard_periods() }}

),

appointments as (

    select
        department_id,
        scheduled_day,
        status,
        {{ hospital_waiting_minutes() }} as waiting_time_minutes
    from {{ ref('int_hospital_appointments') }}

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

final as (

    select * from appointment_values
    union all
    select * from revenue_values

)

select * from final
