{#- monthly_summary's exact figures: one hospital-wide row per calendar month
    from the month of the first day any daily table of the pack has a row to
    the month of the as-of date (partial), summed from the daily tables'
    exact figures; rates pooled from the month's counts; stocks at the
    period's last day (the month's last day or the as-of date). -#}

with

patient_days as (

    select
        metric_date,
        new_patients,
        active_patients
    from {{ ref('int_hospital_exact_patient_analytics') }}

),

appointment_days as (

    select
        metric_date,
        total_appointments,
        completed_appointments,
        cancelled_appointments,
        no_show_appointments,
        unresolved_appointments
    from {{ ref('int_hospital_exact_appointment_analytics') }}
    where department_id is null

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

revenue_days as (

    select
        metric_date,
        invoices_issued,
        billed_amount,
        payments_received,
        collected_amount,
        outstanding_receivables,
        open_invoices
    from {{ ref('int_hospital_exact_revenue_analytics') }}
    where department_id is null

),

seen as (

    select
        date_trunc('month', scheduled_day)::date as month_start,
        count(distinct patient_key) as unique_patients_seen
    from {{ ref('int_hospital_appointments') }}
    where status = 'completed' and scheduled_day <= {{ hospital_as_of_date() }}
    group by 1

),

months as (

    select
        month.month_start,
        least((month.month_start + interval '1 month')::date - 1, {{ hospital_as_of_date() }}) as period_end
    from (
        select generate_series(
            date_trunc('month', min(first_days.first_day)),
            date_trunc('month', {{ hospital_as_of_date() }}::timestamp),
            interval '1 month'
        )::date as month_start
        from (
            select min(metric_date) as first_day from patient_days
            union all
            select min(metric_date) from appointment_days
            union all
            select min(metric_date) from record_days
            union all
            select min(metric_date) from lab_days
            union all
            select min(metric_date) from revenue_days
        ) as first_days
    ) as month

),

{#- The daily figures of each month (sums), the stocks of its last day. -#}
sums as (

    select
        month.month_start,
        (select coalesce(sum(day.new_patients), 0) from patient_days as day
            where day.metric_date between month.month_start and month.period_end) as new_patients,
        (select coalesce(max(day.active_patients), 0) from patient_days as day
            where day.metric_date = month.period_end) as active_patients_end,
        (select coalesce(sum(day.records_created), 0) from record_days as day
            where day.metric_date between month.month_start and month.period_end) as records_created,
        (select coalesce(sum(day.records_finalized), 0) from record_days as day
            where day.metric_date between month.month_start and month.period_end) as records_finalized,
        (select coalesce(sum(day.tests_ordered), 0) from lab_days as day
            where day.metric_date between month.month_start and month.period_end) as lab_tests_ordered,
        (select coalesce(sum(day.tests_completed), 0) from lab_days as day
            where day.metric_date between month.month_start and month.period_end) as lab_tests_completed
    from months as month

),

appointment_sums as (

    select
        month.month_start,
        coalesce(sum(day.total_appointments), 0) as total_appointments,
        coalesce(sum(day.completed_appointments), 0) as completed_appointments,
        coalesce(sum(day.cancelled_appointments), 0) as cancelled_appointments,
        coalesce(sum(day.no_show_appointments), 0) as no_show_appointments,
        coalesce(sum(day.unresolved_appointments), 0) as unresolved_appointments
    from months as month
    left join appointment_days as day
        on day.metric_date between month.month_start and month.period_end
    group by month.month_start

),

revenue_sums as (

    select
        month.month_start,
        coalesce(sum(day.billed_amount), 0) as billed_amount,
        coalesce(sum(day.collected_amount), 0) as collected_amount,
        coalesce(sum(day.outstanding_receivables) filter (where day.metric_date = month.period_end), 0)
            as outstanding_receivables_end,
        coalesce(sum(day.invoices_issued), 0) as invoices_issued,
        coalesce(sum(day.payments_received), 0) as payments_received,
        coalesce(sum(day.open_invoices) filter (where day.metric_date = month.period_end), 0)
            as open_invoices_end
    from months as month
    left join revenue_days as day
        on day.metric_date between month.month_start and month.period_end
    group by month.month_start

),

final as (

    select
        month.month_start,
        (month.period_end - month.month_start + 1)::bigint as days_in_period,
        total.new_patients::bigint as new_patients,
        {{ safe_ratio('total.new_patients', 'month.period_end - month.month_start + 1') }} as avg_daily_new_patients,
        total.active_patients_end,
        visit.total_appointments::bigint as total_appointments,
        visit.completed_appointments::bigint as completed_appointments,
        visit.cancelled_appointments::bigint as cancelled_appointments,
        visit.no_show_appointments::bigint as no_show_appointments,
        visit.unresolved_appointments::bigint as unresolved_appointments,
        {{ safe_ratio('visit.total_appointments', 'month.period_end - month.month_start + 1') }} as avg_daily_appointments,
        {{ safe_ratio('visit.completed_appointments', 'visit.total_appointments') }} as completion_rate,
        {{ safe_ratio('visit.no_show_appointments', 'visit.completed_appointments + visit.no_show_appointments') }}
            as no_show_rate,
        coalesce(seen.unique_patients_seen, 0) as unique_patients_seen,
        total.records_created::bigint as records_created,
        total.records_finalized::bigint as records_finalized,
        total.lab_tests_ordered::bigint as lab_tests_ordered,
        total.lab_tests_completed::bigint as lab_tests_completed,
        money.billed_amount,
        money.collected_amount,
        money.outstanding_receivables_end,
        money.invoices_issued::bigint as invoices_issued,
        money.payments_received::bigint as payments_received,
        money.open_invoices_end::bigint as open_invoices_end
    from months as month
    inner join sums as total on month.month_start = total.month_start
    inner join appointment_sums as visit on month.month_start = visit.month_start
    inner join revenue_sums as money on month.month_start = money.month_start
    left join seen on month.month_start = seen.month_start

)

select * from final
