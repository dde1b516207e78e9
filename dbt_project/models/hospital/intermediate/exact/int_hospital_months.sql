{#- The months of monthly_summary: from the month of the first day any
    daily table of the pack has a row to the month of the as-of date; each
    period ends on the month's last day or the as-of date (partial). -#}

with

month_starts as (

    select
        generate_series(
            date_trunc('month', min(first_days.first_day)),
            date_trunc('month', {{ hospital_as_of_date() }}::timestamp),
            interval '1 month'
        )::date as month_start
    from (
        select min(metric_date) as first_day
        from {{ ref('int_hospital_exact_patient_analytics') }}
        union all
        select min(metric_date) as first_day
        from {{ ref('int_hospital_exact_appointment_analytics') }}
        union all
        select min(metric_date) as first_day
        from {{ ref('int_hospital_exact_medical_records_analytics') }}
        union all
        select min(metric_date) as first_day
        from {{ ref('int_hospital_exact_lab_tests_analytics') }}
        union all
        select min(metric_date) as first_day
        from {{ ref('int_hospital_exact_revenue_analytics') }}
    ) as first_days

),

final as (

    select
        month_row.month_start,
        month_row.period_end,
        (month_row.period_end - month_row.month_start + 1)::bigint as days_in_period
    from (
        select
            month_start,
            least((month_start + interval '1 month')::date - 1, {{ hospital_as_of_date() }})
                as period_end
        from month_starts
    ) as month_row

)

select * from final
