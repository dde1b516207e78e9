{{
    config(
        meta={'partition_column': 'as_of_date'},
        pre_hook="{{ delete_recomputed('as_of_date', reach_days=none) }}",
        post_hook="{{ refresh_total_users('as_of_date') }}",
        indexes=[{'columns': ['as_of_date']}],
    )
}}

{#-
    30-day figures come from the daily aggregates (all additive); distinct
    users from active_users (mau); the top feature from feature_utilization.
    last_activity_at reaches back over all history, so a deletion recomputes
    every later as-of date (reach_days=none); it comes from the macro
    last_activity_as_of (analytics_helpers.sql), bound to this run's dates.
-#}

with

as_of_dates as (

    {{ recompute_days(reach_days=none) }}

),

workspaces as (

    select
        workspace_id,
        name,
        subscription_tier,
        subscription_status,
        (created_at at time zone 'UTC')::date as created_date
    from {{ ref('stg_workspaces') }}

),

daily_metrics as (

    select
        metric_date,
        workspace_id,
        new_users,
        events,
        sessions,
        total_runs,
        successful_runs,
        failed_runs,
        cancelled_runs,
        credits_consumed,
        error_events
    from {{ ref('daily_metrics') }}
    where workspace_id is not null
        and metric_date
        between (select min(day) - 29 from as_of_dates) and (select max(day) from as_of_dates)

),

active_users as (

    select
        metric_date,
        workspace_id,
        mau
    from {{ ref('active_users') }}
    where workspace_id is not null
        and metric_date in (select day from as_of_dates)

),

feature_utilization as (

    select
        metric_date,
        workspace_id,
        feature,
        usage_count
    from {{ ref('feature_utilization') }}
    where metric_date
        between (select min(day) - 29 from as_of_dates) and (select max(day) from as_of_dates)

),

last_activity as (

    {{ last_activity_as_of('as_of_dates') }}

),

spine as (

    select
        as_of_dates.day as as_of_date,
        workspaces.workspace_id,
        workspaces.name,
        workspaces.subscription_tier,
        workspaces.subscription_status
    from as_of_dates
    inner join workspaces
        on as_of_dates.day >= workspaces.created_date

),

window_sums as (

    select
        as_of_dates.day as as_of_date,
        daily_metrics.workspace_id,
        sum(daily_metrics.new_users) as new_users,
        sum(daily_metrics.events) as events,
        sum(daily_metrics.sessions) as sessions,
        sum(daily_metrics.total_runs) as total_runs,
        sum(daily_metrics.successful_runs) as successful_runs,
        sum(
            daily_metrics.successful_runs + daily_metrics.failed_runs + daily_metrics.cancelled_runs
        ) as finished_runs,
        sum(daily_metrics.failed_runs) as failed_runs,
        sum(daily_metrics.credits_consumed) as credits_consumed,
        sum(daily_metrics.error_events) as error_events
    from as_of_dates
    inner join daily_metrics
        on daily_metrics.metric_date between as_of_dates.day - 29 and as_of_dates.day
    group by as_of_dates.day, daily_metrics.workspace_id

),

feature_ranks as (

    select
        as_of_dates.day as as_of_date,
        feature_utilization.workspace_id,
        feature_utilization.feature,
        row_number() over (
            partition by as_of_dates.day, feature_utilization.workspace_id
            order by sum(feature_utilization.usage_count) desc, feature_utilization.feature asc
        ) as feature_rank
    from as_of_dates
    inner join feature_utilization
        on feature_utilization.metric_date between as_of_dates.day - 29 and as_of_dates.day
    group by as_of_dates.day, feature_utilization.workspace_id, feature_utilization.feature

),

total_users as (

    {{ total_users_by_day('as_of_dates') }}

),

final as (

    select
        spine.as_of_date,
        spine.workspace_id,
        spine.name as workspace_name,
        spine.subscription_tier,
        spine.subscription_status,
        coalesce(total_users.total_users, 0) as total_users,
        coalesce(active_users.mau, 0) as active_users_30d,
        coalesce(window_sums.new_users, 0)::bigint as new_users_30d,
        coalesce(window_sums.events, 0)::bigint as events_30d,
        coalesce(window_sums.sessions, 0)::bigint as sessions_30d,
        coalesce(window_sums.total_runs, 0)::bigint as total_runs_30d,
        {{ safe_ratio(
            'window_sums.successful_runs', 'window_sums.finished_runs'
        ) }} as success_rate_30d,
        coalesce(window_sums.credits_consumed, 0) as credits_consumed_30d,
        {{ safe_ratio(
            'window_sums.failed_runs + window_sums.error_events',
            'window_sums.total_runs + window_sums.events'
        ) }} as error_rate_30d,
        feature_ranks.feature as top_feature_30d,
        last_activity.last_activity_at
    from spine
    left join total_users
        on spine.as_of_date = total_users.day
        and spine.workspace_id = total_users.workspace_id
    left join active_users
        on spine.as_of_date = active_users.metric_date
        and spine.workspace_id = active_users.workspace_id
    left join window_sums
        on spine.as_of_date = window_sums.as_of_date
        and spine.workspace_id = window_sums.workspace_id
    left join feature_ranks
        on spine.as_of_date = feature_ranks.as_of_date
        and spine.workspace_id = feature_ranks.workspace_id
        and feature_ranks.feature_rank = 1
    left join last_activity
        on spine.as_of_date = last_activity.as_of_date
        and spine.workspace_id = last_activity.workspace_id

)

select * from final
