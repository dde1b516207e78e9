{#- lab_tests_analytics' exact figures: each test type for every day from
    its first order to the as-of date, and the all-test-types row
    (test_type null) from the first order. pending_backlog is a stock: +1 on
    the order day of a test not cancelled, -1 on its result day, summed up
    to d. -#}

with

tests as (

    select
        test_id,
        test_type,
        status,
        ordered_at,
        ordered_day,
        resulted_at,
        resulted_day,
        is_abnormal
    from {{ ref('int_hospital_lab_tests') }}

),

rows_of_days as (

    select
        first_order.test_type,
        generate_series(
            first_order.first_day::timestamp,
            {{ hospital_as_of_date() }}::timestamp,
            interval '1 day'
        )::date as metric_date
    from (
        select
            test_type,
            min(ordered_day) as first_day
        from tests
        group by grouping sets ((test_type), ())
    ) as first_order

),

orders as (

    select
        test_type,
        ordered_day as metric_date,
        count(*) as tests_ordered,
        count(*) filter (where status = 'cancelled') as tests_cancelled
    from tests
    group by grouping sets ((test_type, ordered_day), (ordered_day))

),

results as (

    select
        test_type,
        resulted_day as metric_date,
        count(*) as tests_completed,
        {{ hospital_percentile(0.5, hospital_duration('resulted_at', 'ordered_at', 3600)) }}
            as turnaround_p50_hours,
        {{ hospital_percentile(0.9, hospital_duration('resulted_at', 'ordered_at', 3600)) }}
            as turnaround_p90_hours,
        count(*) filter (where is_abnormal) as abnormal_tests,
        count(is_abnormal) as flagged_tests
    from tests
    where status = 'completed' and resulted_at is not null
    group by grouping sets ((test_type, resulted_day), (resulted_day))

),

backlog_changes as (

    select
        change_row.test_type,
        change_row.metric_date,
        sum(change_row.delta) as delta
    from (
        select
            test_type,
            ordered_day as metric_date,
            1 as delta
        from tests
        where status <> 'cancelled'
        union all
        select
            test_type,
            resulted_day as metric_date,
            -1 as delta
        from tests
        where status <> 'cancelled' and resulted_at is not null
    ) as change_row
    group by
        grouping sets ((change_row.test_type, change_row.metric_date), (change_row.metric_date))

),

final as (

    select
        daily.test_type,
        daily.metric_date,
        coalesce(ordered.tests_ordered, 0) as tests_ordered,
        coalesce(ordered.tests_cancelled, 0) as tests_cancelled,
        coalesce(result.tests_completed, 0) as tests_completed,
        coalesce(sum(backlog.delta) over (
            partition by daily.test_type order by daily.metric_date
        ), 0)::bigint as pending_backlog,
        result.turnaround_p50_hours,
        result.turnaround_p90_hours,
        {{ safe_ratio('result.abnormal_tests', 'result.flagged_tests') }} as abnormal_rate,
        coalesce(result.abnormal_tests, 0) as abnormal_tests,
        coalesce(result.flagged_tests, 0) as flagged_tests
    from rows_of_days as daily
    left join orders as ordered
        on daily.metric_date = ordered.metric_date
        and daily.test_type is not distinct from ordered.test_type
    left join results as result
        on daily.metric_date = result.metric_date
        and daily.test_type is not distinct from result.test_type
    left join backlog_changes as backlog
        on daily.metric_date = backlog.metric_date
        and daily.test_type is not distinct from backlog.test_type

)

select * from final
