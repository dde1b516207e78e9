{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ delete_recomputed('metric_date', reach_days=29) }}",
        post_hook="{{ refresh_total_users('metric_date') }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

with

days as (

    {{ recompute_days(reach_days=29) }}

),

activity_days as (

    select
        activity_date,
        workspace_id,
        user_id
    from {{ ref('int_user_activity_days') }}
    where activity_date between (select min(day) - 29 from days) and (select max(day) from days)

),

first_activity as (

    {{ first_activity_days() }}

),

spine as (

    {{ workspace_day_spine('days') }}

),

total_users as (

    {{ total_users_by_day('days') }}

),

-- Each day of the table with the activity of its trailing 30 days.
trailing_activity as (

    select
        days.day,
        activity_days.activity_date,
        activity_days.workspace_id,
        activity_days.user_id,
        first_activity.first_activity_date,
        first_activity.first_activity_date_overall
    from days
    inner join activity_days
        on activity_days.activity_date between days.day - 29 and days.day
    inner join first_activity
        on activity_days.user_id = first_activity.user_id
        and activity_days.workspace_id = first_activity.workspace_id

),

counts as (

    select
        day,
        workspace_id,
        count(distinct user_id) filter (where activity_date = day) as dau,
        count(distinct user_id) filter (where activity_date > day - 7) as wau,
        count(distinct user_id) as mau,
        count(distinct user_id) filter (
            where activity_date = day and first_activity_date = day
        ) as new_in_workspace,
        count(distinct user_id) filter (
            where activity_date = day and first_activity_date_overall = day
        ) as new_overall
    from trailing_activity
    group by grouping sets ((day, workspace_id), (day))

),

joined as (

    select
        spine.day as metric_date,
        spine.workspace_id,
        coalesce(counts.dau, 0) as dau,
        coalesce(counts.wau, 0) as wau,
        coalesce(counts.mau, 0) as mau,
        coalesce(
            case
                when spine.workspace_id is null then counts.new_overall
                else counts.new_in_workspace
            end,
            0
        ) as new_users,
        coalesce(total_users.total_users, 0) as total_users
    from spine
    left join counts
        on spine.day = counts.day
        and {{ same_workspace('spine.workspace_id', 'counts.workspace_id') }}
    left join total_users
        on spine.day = total_users.day
        and {{ same_workspace('spine.workspace_id', 'total_users.workspace_id') }}

),

final as (

    select
        metric_date,
        workspace_id,
        dau,
        wau,
        mau,
        {{ safe_ratio('dau', 'mau') }} as stickiness,
        new_users,
        dau - new_users as returning_users,
        total_users
    from joined

)

select * from final
