{{
    config(
        meta={'partition_column': 'as_of_date'},
        pre_hook="{{ delete_recomputed('as_of_date', reach_days=none) }}",
        indexes=[{'columns': ['as_of_date']}],
    )
}}

{#-
    Retention as of D: a cohort user is measurable for N when their first
    activity day + N <= D; unmeasurable users leave numerator and
    denominator, and a value with nobody measurable is null. Workspace rows
    use the first activity and activity in the workspace; all-workspaces rows
    (workspace_id null) the first activity anywhere and activity anywhere.
-#}

with

as_of_dates as (

    {{ recompute_days(reach_days=none) }}

),

-- One row per member (user in a workspace, or anywhere): was the user active
-- on first day + N?
returns as (

    select
        user_id,
        workspace_id,
        first_activity_date,
        active_day_1,
        active_day_7,
        active_day_14,
        active_day_30
    from {{ ref('int_cohort_members__returns') }}

),

cohort_members as (

    select
        'week' as cohort_type,
        date_trunc('week', first_activity_date::timestamp)::date as cohort_start,
        user_id,
        workspace_id,
        first_activity_date,
        active_day_1,
        active_day_7,
        active_day_14,
        active_day_30
    from returns

    union all

    select
        'month' as cohort_type,
        date_trunc('month', first_activity_date::timestamp)::date as cohort_start,
        user_id,
        workspace_id,
        first_activity_date,
        active_day_1,
        active_day_7,
        active_day_14,
        active_day_30
    from returns

),

-- Additive counts per first activity day: each as-of date sums the days
-- that are on or before it (and, per N, those already measurable).
per_first_day as (

    select
        cohort_type,
        cohort_start,
        workspace_id,
        first_activity_date,
        {%- for n in [1, 7, 14, 30] %}
        count(*) filter (where active_day_{{ n }}) as retained_day_{{ n }},
        {%- endfor %}
        count(*) as users
    from cohort_members
    group by cohort_type, cohort_start, workspace_id, first_activity_date

),

retention as (

    select
        as_of_dates.day as as_of_date,
        per_first_day.cohort_type,
        per_first_day.cohort_start,
        per_first_day.workspace_id,
        {%- for n in [1, 7, 14, 30] %}
        {%- set reached = 'per_first_day.first_activity_date + ' ~ n ~ ' <= as_of_dates.day' %}
        {{ safe_ratio(
            'sum(per_first_day.retained_day_' ~ n ~ ') filter (where ' ~ reached ~ ')',
            'coalesce(sum(per_first_day.users) filter (where ' ~ reached ~ '), 0)'
        ) }} as day_{{ n }}_retention,
        {%- endfor %}
        sum(per_first_day.users)::bigint as initial_users
    from as_of_dates
    inner join per_first_day
        on as_of_dates.day >= per_first_day.first_activity_date
    group by
        as_of_dates.day,
        per_first_day.cohort_type,
        per_first_day.cohort_start,
        per_first_day.workspace_id

),

final as (

    select
        as_of_date,
        cohort_type,
        cohort_start,
        workspace_id,
        initial_users,
        day_1_retention,
        day_7_retention,
        day_14_retention,
        day_30_retention,
        jsonb_build_object(
            'day_1', day_1_retention,
            'day_7', day_7_retention,
            'day_14', day_14_retention,
            'day_30', day_30_retention
        ) as retention_data
    from retention

)

select * from final
