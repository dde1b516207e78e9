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
    group by date_trunc('month', scheduled_day)

),

sums as (

    {#- The daily figures of each month (sums), the stocks of its last day. -#}

    select
        month_row.month_start,
        (
            select coalesce(sum(daily.new_patients), 0) from patient_days as daily
            where daily.metric_date between month_row.month_start and month_row.period_end
        ) as new_patients,
        (
            select coalesce(max(daily.active_patients), 0) from patient_days as daily
            where daily.metric_date = month_row.period_end
        ) as active_patients_end,
        (
            select coalesce(sum(daily.records_created), 0) from record_days as daily
            where daily.metric_date between month_row.month_start and month_row.period_end
        ) as records_created,
        (
            select coalesce(sum(daily.records_finalized), 0) from record_days as daily
            where daily.metric_date between month_row.month_start and month_row.period_end
        ) as records_finalized,
        (
            select coalesce(sum(daily.tests_ordered), 0) from lab_days as daily
            where daily.metric_date between month_row.month_start and month_row.period_end
        ) as lab_tests_ordered,
        (
            select coalesce(sum(daily.tests_completed), 0) from lab_days as daily
            where daily.metric_date between month_row.month_start and month_row.period_end
        ) as lab_tests_completed
    from {{ ref('int_hospital_months') }} as month_row

),

appointment_sums as (

    select
        month_row.month_start,
        coalesce(sum(daily.total_appointments), 0) as total_appointments,
        coalesce(sum(daily.completed_appointments), 0) as completed_appointments,
        coalesce(sum(daily.cancelled_appointments), 0) as cancelled_appointments,
        coalesce(sum(daily.no_show_appointments), 0) as no_show_appointments,
        coalesce(sum(daily.unresolved_appointments), 0) as unresolved_appointments
    from {{ ref('int_hospital_months') }} as month_row
    left join appointment_days as daily
        on daily.metric_date between month_row.month_start and month_row.period_end
    group by month_row.month_start

),

revenue_sums as (

    select
        month_row.month_start,
        coalesce(sum(daily.billed_amount), 0) as billed_amount,
        coalesce(sum(daily.collected_amount), 0) as collected_amount,
        coalesce(
            sum(daily.outstanding_receivables) filter (
                where daily.metric_date = month_row.period_end
            ),
            0
        )
            as outstanding_receivables_end,
        coalesce(sum(daily.invoices_issued), 0) as invoices_issued,
        coalesce(sum(daily.payments_received), 0) as payments_received,
        coalesce(
            sum(daily.open_invoices) filter (where daily.metric_date = month_row.period_end), 0
        )
            as open_invoices_end
    from {{ ref('int_hospital_months') }} as month_row
    left join revenue_days as daily
        on daily.metric_date between month_row.month_start and month_row.period_end
    group by month_row.month_start

),

final as (

    select
        month_row.month_start,
        month_row.days_in_period,
        total.new_patients::bigint as new_patients,
        {{ safe_ratio('total.new_patients', 'month_row.days_in_period') }}
            as avg_daily_new_patients,
        total.active_patients_end,
        visit.total_appointments::bigint as total_appointments,
        visit.completed_appointments::bigint as completed_appointments,
        visit.cancelled_appointments::bigint as cancelled_appointments,
        visit.no_show_appointments::bigint as no_show_appointments,
        visit.unresolved_appointments::bigint as unresolved_appointments,
        {{ safe_ratio('visit.total_appointments', 'month_row.days_in_period') }}
            as avg_daily_appointments,
        {{ safe_ratio('visit.completed_appointments', 'visit.total_appointments') }}
            as completion_rate,
        {{ hospital_no_show_rate('visit.no_show_appointments', 'visit.completed_appointments') }}
            as no_show_rate,
        coalesce(seen.unique_patients_seen, 0) as unique_patients_seen,
        total.records_created::bigint as records_created,
        total.records_finalized::bigint as records_finalized,
        total.lab_tests_ordered::bigint as lab_tests_ordered,
        total.lab_tests_completed::bigint as lab_tests_completed,
        revenue.billed_amount,
        revenue.collected_amount,
        revenue.outstanding_receivables_end,
        revenue.invoices_issued::bigint as invoices_issued,
        revenue.payments_received::bigint as payments_received,
        revenue.open_invoices_end::bigint as open_invoices_end
    from {{ ref('int_hospital_months') }} as month_row
    inner join sums as total on month_row.month_start = total.month_start
    inner join appointment_sums as visit on month_row.month_start = visit.month_start
    inner join revenue_sums as revenue on month_row.month_start = revenue.month_start
    left join seen on month_row.month_start = seen.month_start

)

select * from final
