{#- The hospital KPIs of analytics_metrics, exact (docs/metrics.md, "Hospital
    KPIs in analytics_metrics"): per day, ISO week and month, per department
    (workspace_id) and all departments (null: the hospital-wide categories'
    only row), previous values by kpis_with_previous, then the suppression's
    weights. Counts and sums add up int_hospital_exact_kpi_days (the daily
    tables' cells) over a period's days; ratios pool them; the figures that
    are no sums are int_hospital_exact_kpi_period_stats'. -#}

with

kpi_days as (

    select
        workspace_id,
        metric_date,
        new_patients,
        total_appointments,
        completed_appointments,
        no_show_appointments,
        records_created,
        records_finalized,
        lab_tests_ordered,
        lab_tests_completed,
        invoices_issued,
        billed_amount,
        payments_received,
        collected_amount
    from {{ ref('int_hospital_exact_kpi_days') }}

),

period_stats as (

    select
        period_type,
        period_start,
        active_patients,
        finalize_time_p50_hours,
        lab_turnaround_p90_hours
    from {{ ref('int_hospital_exact_kpi_period_stats') }}

),

-- Every period containing a day of the row (workspace): its sums over them,
-- the ratios of the sums, on the all-departments row the figures that are no sums.
period_sums as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        true as is_rebuilt,
        daily.workspace_id,
        stats.finalize_time_p50_hours,
        stats.lab_turnaround_p90_hours,
        coalesce(stats.active_patients, 0)::numeric as active_patients,
        {%- for column in [
            'new_patients', 'total_appointments', 'completed_appointments', 'no_show_appointments',
            'records_created', 'records_finalized', 'lab_tests_ordered', 'lab_tests_completed',
            'invoices_issued', 'billed_amount', 'payments_received', 'collected_amount',
        ] %}
        sum(daily.{{ column }})::numeric as {{ column }},
        {%- endfor %}
        {{ safe_ratio('sum(daily.completed_appointments)', 'sum(daily.total_appointments)') }}
            as appointment_completion_rate,
        {{ hospital_no_show_rate(
            'sum(daily.no_show_appointments)', 'sum(daily.completed_appointments)'
        ) }} as no_show_rate
    from kpi_days as daily
    {{ periods_containing('daily.metric_date') }}
    left join period_stats as stats
        on periods.period_type = stats.period_type
        and periods.period_start = stats.period_start
        and daily.workspace_id is null
    group by
        periods.period_type,
        periods.period_start,
        periods.period_end,
        daily.workspace_id,
        stats.active_patients,
        stats.finalize_time_p50_hours,
        stats.lab_turnaround_p90_hours

),

-- The weight of each value: the rows it counts, sums or is computed over.
period_rows as (

    select
        period_type,
        period_start,
        period_end,
        is_rebuilt,
        workspace_id,
        new_patients,
        active_patients,
        total_appointments,
        completed_appointments,
        no_show_appointments,
        total_appointments as appointment_completion_rate,
        records_created,
        records_finalized,
        records_finalized as finalize_time_p50_hours,
        lab_tests_ordered,
        lab_tests_completed,
        lab_tests_completed as lab_turnaround_p90_hours,
        invoices_issued as billed_amount,
        payments_received as collected_amount,
        completed_appointments + no_show_appointments as no_show_rate
    from period_sums

),

-- The numerators of the ratios.
period_numerators as (

    select
        period_type,
        period_start,
        period_end,
        is_rebuilt,
        workspace_id,
        completed_appointments as appointment_completion_rate,
        no_show_appointments as no_show_rate
    from period_sums

),

kpi_values as (

    {{ kpis_with_previous('period_sums', hospital_kpi_metrics()) }}

),

kpi_rows as (

    {{ kpis_with_previous('period_rows', hospital_kpi_metrics()) }}

),

kpi_numerators as (

    {{ kpis_with_previous('period_numerators', hospital_kpi_metrics('ratio')) }}

),

final as (

    select
        kpi.metric_name,
        kpi.metric_type,
        kpi.category,
        kpi.period_type,
        kpi.period_start,
        kpi.period_end,
        kpi.workspace_id,
        kpi.value,
        kpi.previous_value,
        kpi.change_percentage,
        weight.value::bigint as value_rows,
        weight.previous_value::bigint as previous_rows,
        numerator.value::bigint as value_numerator,
        numerator.previous_value::bigint as previous_numerator
    from kpi_values as kpi
    inner join kpi_rows as weight
        on kpi.metric_name = weight.metric_name
        and kpi.period_type = weight.period_type
        and kpi.period_start = weight.period_start
        and {{ same_workspace('kpi.workspace_id', 'weight.workspace_id') }}
    left join kpi_numerators as numerator
        on kpi.metric_name = numerator.metric_name
        and kpi.period_type = numerator.period_type
        and kpi.period_start = numerator.period_start
        and {{ same_workspace('kpi.workspace_id', 'numerator.workspace_id') }}
    where kpi.workspace_id is null or kpi.category in ('appointments', 'revenue')

)

select * from final
