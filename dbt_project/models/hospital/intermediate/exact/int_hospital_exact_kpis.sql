{#-
    The hospital pack's KPIs in the long shape of analytics_metrics, exact
    (docs/metrics.md, "Hospital KPIs in analytics_metrics"): per day, ISO
    week and month, per department (workspace_id, its id as text) and for
    all departments (null; the only row of the hospital-wide categories),
    with the previous period's value (kpis_with_previous), then the weights
    the suppression needs. Rebuilt whole as of hospital_as_of_date().

    Counts and sums add up the exact daily tables' figures over the
    period's days, so a day's value is the daily table's cell and a week or
    month is the total of its days; the ratios pool those sums; the
    percentiles and active_patients (distinct) read the facts of the days
    the daily tables cover.
-#}

{%- set metrics = [
    ('new_patients', 'count', 'patients'),
    ('active_patients', 'count', 'patients'),
    ('total_appointments', 'count', 'appointments'),
    ('completed_appointments', 'count', 'appointments'),
    ('no_show_appointments', 'count', 'appointments'),
    ('appointment_completion_rate', 'ratio', 'appointments'),
    ('no_show_rate', 'ratio', 'appointments'),
    ('records_created', 'count', 'medical_records'),
    ('records_finalized', 'count', 'medical_records'),
    ('finalize_time_p50_hours', 'percentile', 'medical_records'),
    ('lab_tests_ordered', 'count', 'lab_tests'),
    ('lab_tests_completed', 'count', 'lab_tests'),
    ('lab_turnaround_p90_hours', 'percentile', 'lab_tests'),
    ('billed_amount', 'sum', 'revenue'),
    ('collected_amount', 'sum', 'revenue'),
] -%}
{%- set ratios = [
    ('appointment_completion_rate', 'ratio', 'appointments'),
    ('no_show_rate', 'ratio', 'appointments'),
] %}

with

patient_days as (

    select
        metric_date,
        new_patients
    from {{ ref('int_hospital_exact_patient_analytics') }}

),

appointment_days as (

    select
        department_id,
        metric_date,
        total_appointments,
        completed_appointments,
        no_show_appointments
    from {{ ref('int_hospital_exact_appointment_analytics') }}

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
        department_id,
        metric_date,
        invoices_issued,
        billed_amount,
        payments_received,
        collected_amount
    from {{ ref('int_hospital_exact_revenue_analytics') }}

),

first_days as (

    {#- A department's rows start at its first appointment's scheduled day or
        invoice's issue day (or its first revenue row: a payment paid before
        its first invoice); the all-departments row (null) at the first day
        any daily table has a row. -#}
    select
        department_id::text as workspace_id,
        min(first_day) as first_day
    from (
        select
            department_id,
            scheduled_day as first_day
        from {{ ref('int_hospital_appointments') }}
        union all
        select
            department_id,
            issued_day
        from {{ ref('int_hospital_invoices') }}
        union all
        select
            department_id,
            metric_date
        from revenue_days
        where department_id is not null
    ) as department_facts
    group by department_id
    union all
    select
        null as workspace_id,
        min(first_day) as first_day
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
    ) as table_first_days

),

days as (

    select
        generate_series(
            min(first_day)::timestamp, {{ hospital_as_of_date() }}::timestamp, interval '1 day'
        )::date as day
    from first_days

),

spine as (

    {#- Every period from the one containing the row's first day to the one
        containing the as-of date; the first has no previous row. -#}
    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        true as is_rebuilt,
        first_days.workspace_id
    from (
        select distinct
            periods.period_type,
            periods.period_start,
            periods.period_end
        from days
        {{ periods_containing('days.day') }}
    ) as periods
    inner join first_days
        on periods.period_end >= first_days.first_day
    where first_days.first_day <= {{ hospital_as_of_date() }}

),

-- The daily tables' figures, one row per (department or null, day).
day_figures as (

    select
        department_id::text as workspace_id,
        metric_date,
        total_appointments,
        completed_appointments,
        no_show_appointments,
        0 as invoices_issued,
        0 as billed_amount,
        0 as payments_received,
        0 as collected_amount,
        0 as new_patients,
        0 as records_created,
        0 as records_finalized,
        0 as lab_tests_ordered,
        0 as lab_tests_completed
    from appointment_days
    union all
    select
        department_id::text as workspace_id,
        metric_date,
        0 as total_appointments,
        0 as completed_appointments,
        0 as no_show_appointments,
        invoices_issued,
        billed_amount,
        payments_received,
        collected_amount,
        0 as new_patients,
        0 as records_created,
        0 as records_finalized,
        0 as lab_tests_ordered,
        0 as lab_tests_completed
    from revenue_days
    union all
    select
        null as workspace_id,
        metric_date,
        0 as total_appointments,
        0 as completed_appointments,
        0 as no_show_appointments,
        0 as invoices_issued,
        0 as billed_amount,
        0 as payments_received,
        0 as collected_amount,
        new_patients,
        0 as records_created,
        0 as records_finalized,
        0 as lab_tests_ordered,
        0 as lab_tests_completed
    from patient_days
    union all
    select
        null as workspace_id,
        metric_date,
        0 as total_appointments,
        0 as completed_appointments,
        0 as no_show_appointments,
        0 as invoices_issued,
        0 as billed_amount,
        0 as payments_received,
        0 as collected_amount,
        0 as new_patients,
        records_created,
        records_finalized,
        0 as lab_tests_ordered,
        0 as lab_tests_completed
    from record_days
    union all
    select
        null as workspace_id,
        metric_date,
        0 as total_appointments,
        0 as completed_appointments,
        0 as no_show_appointments,
        0 as invoices_issued,
        0 as billed_amount,
        0 as payments_received,
        0 as collected_amount,
        0 as new_patients,
        0 as records_created,
        0 as records_finalized,
        tests_ordered as lab_tests_ordered,
        tests_completed as lab_tests_completed
    from lab_days

),

period_sums as (

    select
        periods.period_type,
        periods.period_start,
        day_figures.workspace_id,
        sum(day_figures.new_patients) as new_patients,
        sum(day_figures.total_appointments) as total_appointments,
        sum(day_figures.completed_appointments) as completed_appointments,
        sum(day_figures.no_show_appointments) as no_show_appointments,
        sum(day_figures.records_created) as records_created,
        sum(day_figures.records_finalized) as records_finalized,
        sum(day_figures.lab_tests_ordered) as lab_tests_ordered,
        sum(day_figures.lab_tests_completed) as lab_tests_completed,
        sum(day_figures.invoices_issued) as invoices_issued,
        sum(day_figures.billed_amount) as billed_amount,
        sum(day_figures.payments_received) as payments_received,
        sum(day_figures.collected_amount) as collected_amount
    from day_figures
    {{ periods_containing('day_figures.metric_date') }}
    where day_figures.metric_date <= {{ hospital_as_of_date() }}
    group by periods.period_type, periods.period_start, day_figures.workspace_id

),

-- Distinct patients with an encounter in the period (not the trailing 90 days).
active_counts as (

    select
        periods.period_type,
        periods.period_start,
        null::text as workspace_id,
        count(distinct encounters.patient_key) as active_patients
    from {{ ref('int_hospital_encounters') }} as encounters
    {{ periods_containing('encounters.encounter_day') }}
    where encounters.encounter_day <= {{ hospital_as_of_date() }}
    group by periods.period_type, periods.period_start

),

-- Over the records finalized on the days medical_records_analytics has.
finalize_times as (

    select
        periods.period_type,
        periods.period_start,
        null::text as workspace_id,
        {{ hospital_percentile(0.5, hospital_duration('records.finalized_at', 'records.created_at', 3600)) }}
            as finalize_time_p50_hours
    from {{ ref('int_hospital_medical_records') }} as records
    {{ periods_containing('records.finalized_day') }}
    where records.finalized_day in (select metric_date from record_days)
    group by periods.period_type, periods.period_start

),

-- Over the tests resulted on the days lab_tests_analytics has.
turnarounds as (

    select
        periods.period_type,
        periods.period_start,
        null::text as workspace_id,
        {{ hospital_percentile(0.9, hospital_duration('tests.resulted_at', 'tests.ordered_at', 3600)) }}
            as lab_turnaround_p90_hours
    from {{ ref('int_hospital_lab_tests') }} as tests
    {{ periods_containing('tests.resulted_day') }}
    where tests.status = 'completed'
        and tests.resulted_at is not null
        and tests.resulted_day in (select metric_date from lab_days)
    group by periods.period_type, periods.period_start

),

joined as (

    select
        spine.period_type,
        spine.period_start,
        spine.period_end,
        spine.is_rebuilt,
        spine.workspace_id,
        coalesce(sums.new_patients, 0)::numeric as new_patients,
        coalesce(active.active_patients, 0)::numeric as active_patients,
        coalesce(sums.total_appointments, 0)::numeric as total_appointments,
        coalesce(sums.completed_appointments, 0)::numeric as completed_appointments,
        coalesce(sums.no_show_appointments, 0)::numeric as no_show_appointments,
        coalesce(sums.records_created, 0)::numeric as records_created,
        coalesce(sums.records_finalized, 0)::numeric as records_finalized,
        finalize.finalize_time_p50_hours,
        coalesce(sums.lab_tests_ordered, 0)::numeric as lab_tests_ordered,
        coalesce(sums.lab_tests_completed, 0)::numeric as lab_tests_completed,
        turnaround.lab_turnaround_p90_hours,
        coalesce(sums.invoices_issued, 0)::numeric as invoices_issued,
        coalesce(sums.billed_amount, 0)::numeric as billed_amount,
        coalesce(sums.payments_received, 0)::numeric as payments_received,
        coalesce(sums.collected_amount, 0)::numeric as collected_amount
    from spine
    left join period_sums as sums
        on spine.period_type = sums.period_type
        and spine.period_start = sums.period_start
        and {{ same_workspace('spine.workspace_id', 'sums.workspace_id') }}
    left join active_counts as active
        on spine.period_type = active.period_type
        and spine.period_start = active.period_start
        and {{ same_workspace('spine.workspace_id', 'active.workspace_id') }}
    left join finalize_times as finalize
        on spine.period_type = finalize.period_type
        and spine.period_start = finalize.period_start
        and {{ same_workspace('spine.workspace_id', 'finalize.workspace_id') }}
    left join turnarounds as turnaround
        on spine.period_type = turnaround.period_type
        and spine.period_start = turnaround.period_start
        and {{ same_workspace('spine.workspace_id', 'turnaround.workspace_id') }}

),

period_values as (

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
        {{ safe_ratio('completed_appointments', 'total_appointments') }}
            as appointment_completion_rate,
        {{ hospital_no_show_rate('no_show_appointments', 'completed_appointments') }}
            as no_show_rate,
        records_created,
        records_finalized,
        finalize_time_p50_hours,
        lab_tests_ordered,
        lab_tests_completed,
        lab_turnaround_p90_hours,
        billed_amount,
        collected_amount
    from joined

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
        completed_appointments + no_show_appointments as no_show_rate,
        records_created,
        records_finalized,
        records_finalized as finalize_time_p50_hours,
        lab_tests_ordered,
        lab_tests_completed,
        lab_tests_completed as lab_turnaround_p90_hours,
        invoices_issued as billed_amount,
        payments_received as collected_amount
    from joined

),

period_numerators as (

    select
        period_type,
        period_start,
        period_end,
        is_rebuilt,
        workspace_id,
        completed_appointments as appointment_completion_rate,
        no_show_appointments as no_show_rate
    from joined

),

kpi_values as (

    {{ kpis_with_previous('period_values', metrics) }}

),

kpi_rows as (

    {{ kpis_with_previous('period_rows', metrics) }}

),

kpi_numerators as (

    {{ kpis_with_previous('period_numerators', ratios) }}

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
