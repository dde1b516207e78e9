{#- The hospital KPIs' figures that are no sum of days (int_hospital_exact_kpis),
    all departments, per period (periods_containing: day, ISO week, month)
    with any input: active_patients = distinct patients with an encounter
    in the period (not the trailing 90 days); finalize_time_p50_hours and
    lab_turnaround_p90_hours over the records finalized, the tests resulted
    (status completed) on the days medical_records_analytics and
    lab_tests_analytics have, so that their rows are those tables' counts. -#}

with

encounters as (

    select
        patient_key,
        encounter_day
    from {{ ref('int_hospital_encounters') }}
    where encounter_day <= {{ hospital_as_of_date() }}

),

-- The durations behind the percentiles: records finalized, tests resulted
-- (completed), on the days their daily tables have.
durations as (

    select
        'finalize' as duration_kind,
        finalized_day as duration_day,
        {{ hospital_duration('finalized_at', 'created_at', 3600) }} as hours
    from {{ ref('int_hospital_medical_records') }}
    where finalized_at is not null
        and finalized_day in (
            select metric_date from {{ ref('int_hospital_exact_medical_records_analytics') }}
        )
    union all
    select
        'turnaround' as duration_kind,
        resulted_day as duration_day,
        {{ hospital_duration('resulted_at', 'ordered_at', 3600) }} as hours
    from {{ ref('int_hospital_lab_tests') }}
    where status = 'completed'
        and resulted_day in (
            select metric_date from {{ ref('int_hospital_exact_lab_tests_analytics') }}
        )

),

period_figures as (

    select
        periods.period_type,
        periods.period_start,
        count(distinct encounters.patient_key) as active_patients,
        null::numeric as finalize_time_p50_hours,
        null::numeric as lab_turnaround_p90_hours
    from encounters
    {{ periods_containing('encounters.encounter_day') }}
    group by periods.period_type, periods.period_start
    union all
    -- percentile_cont skips the nulls: each percentile over its own kind.
    select
        periods.period_type,
        periods.period_start,
        null as active_patients,
        {{ hospital_percentile(
            0.5, "case when durations.duration_kind = 'finalize' then durations.hours end"
        ) }} as finalize_time_p50_hours,
        {{ hospital_percentile(
            0.9, "case when durations.duration_kind = 'turnaround' then durations.hours end"
        ) }} as lab_turnaround_p90_hours
    from durations
    {{ periods_containing('durations.duration_day') }}
    group by periods.period_type, periods.period_start

),

final as (

    select
        period_type,
        period_start,
        coalesce(max(active_patients), 0) as active_patients,
        max(finalize_time_p50_hours) as finalize_time_p50_hours,
        max(lab_turnaround_p90_hours) as lab_turnaround_p90_hours
    from period_figures
    group by period_type, period_start

)

select * from final
