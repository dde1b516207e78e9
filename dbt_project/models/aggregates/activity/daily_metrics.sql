{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        tags=['daily'],
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ delete_recomputed('metric_date') }}",
        post_hook="{{ refresh_total_users('metric_date') }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

with

days as (

    {{ recompute_days() }}

),

events as (

    select
        event_date,
        workspace_id,
        event_type,
        duration_ms,
        error_type
    from {{ ref('int_activity_events') }}
    where event_date in (select day from days)

),

runs as (

    select
        run_date,
        workspace_id,
        agent_id,
        status,
        finished_runtime_seconds,
        credits_consumed,
        model,
        error_type
    from {{ ref('int_agent_runs') }}
    where run_date in (select day from days)

),

sessions as (

    select
        session_date,
        workspace_id,
        duration_seconds,
        is_bounce
    from {{ ref('int_sessions') }}
    where session_date in (select day from days)

),

activity_days as (

    select
        activity_days.activity_date,
        activity_days.workspace_id,
        activity_days.user_id
    from {{ ref('int_user_activity_days') }} as activity_days
    where activity_days.activity_date in (select day from days)

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

users as (

    select
        activity_days.activity_date as metric_date,
        activity_days.workspace_id,
        count(distinct activity_days.user_id) as dau,
        count(distinct activity_days.user_id)
            filter (where first_activity.first_activity_date = activity_days.activity_date) as new_in_workspace,
        count(distinct activity_days.user_id)
            filter (where first_activity.first_activity_date_overall = activity_days.activity_date) as new_overall
    from activity_days
    inner join first_activity
        on activity_days.user_id = first_activity.user_id
        and activity_days.workspace_id = first_activity.workspace_id
    group by grouping sets ((activity_days.activity_date, activity_days.workspace_id), (activity_days.activity_date))

),

event_stats as (

    select
        event_date as metric_date,
        workspace_id,
        count(*) as events,
        count(*) filter (where event_type = 'page_view') as page_views,
        count(*) filter (where event_type = 'error') as error_events,
        count(*) filter (where event_type = 'api_call') as api_calls,
        (percentile_cont(0.95) within group (order by duration_ms)
            filter (where event_type = 'api_call'))::numeric as api_latency_p95_ms
    from events
    group by grouping sets ((event_date, workspace_id), (event_date))

),

session_stats as (

    select
        session_date as metric_date,
        workspace_id,
        count(*) as sessions,
        trim_scale(avg(duration_seconds)) as avg_session_duration_seconds,
        count(*) filter (where is_bounce) as bounces
    from sessions
    group by grouping sets ((session_date, workspace_id), (session_date))

),

run_stats as (

    select
        run_date as metric_date,
        workspace_id,
        count(*) as total_runs,
        count(*) filter (where status = 'completed') as successful_runs,
        count(*) filter (where status = 'failed') as failed_runs,
        count(*) filter (where status = 'cancelled') as cancelled_runs,
        count(*) filter (where status = 'running') as running_runs,
        trim_scale(avg(finished_runtime_seconds)) as avg_runtime_seconds,
        percentile_cont(array[0.5, 0.95, 0.99]) within group (order by finished_runtime_seconds)
            as runtime_percentiles,
        sum(credits_consumed) as credits_consumed,
        count(distinct agent_id) as unique_agents
    from runs
    group by grouping sets ((run_date, workspace_id), (run_date))

),

credits_per_model as (

    select
        run_date as metric_date,
        workspace_id,
        model,
        sum(credits_consumed) as credits_consumed
    from runs
    group by grouping sets ((run_date, workspace_id, model), (run_date, model))

),

credits_by_model as (

    select
        metric_date,
        workspace_id,
        {{ jsonb_map('model', 'credits_consumed') }} as credits_by_model
    from credits_per_model
    group by metric_date, workspace_id

),

errors as (

    select
        run_date as metric_date,
        workspace_id,
        coalesce(error_type, 'unknown') as error_type
    from runs
    where status = 'failed'

    union all

    select
        event_date,
        workspace_id,
        coalesce(error_type, 'unknown')
    from events
    where event_type = 'error'

),

errors_per_type as (

    select
        metric_date,
        workspace_id,
        error_type,
        count(*) as errors
    from errors
    group by grouping sets ((metric_date, workspace_id, error_type), (metric_date, error_type))

),

errors_by_type as (

    select
        metric_date,
        workspace_id,
        {{ jsonb_map('error_type', 'errors') }} as errors_by_type
    from errors_per_type
    group by metric_date, workspace_id

),

joined as (

    select
        spine.day as metric_date,
        spine.workspace_id,
        coalesce(users.dau, 0) as dau,
        coalesce(case when spine.workspace_id is null then users.new_overall else users.new_in_workspace end, 0)
            as new_users,
        coalesce(total_users.total_users, 0) as total_users,
        coalesce(event_stats.events, 0) as events,
        coalesce(event_stats.page_views, 0) as page_views,
        coalesce(session_stats.sessions, 0) as sessions,
        session_stats.avg_session_duration_seconds,
        coalesce(session_stats.bounces, 0) as bounces,
        coalesce(run_stats.total_runs, 0) as total_runs,
        coalesce(run_stats.successful_runs, 0) as successful_runs,
        coalesce(run_stats.failed_runs, 0) as failed_runs,
        coalesce(run_stats.cancelled_runs, 0) as cancelled_runs,
        coalesce(run_stats.running_runs, 0) as running_runs,
        run_stats.avg_runtime_seconds,
        run_stats.runtime_percentiles,
        coalesce(run_stats.credits_consumed, 0) as credits_consumed,
        coalesce(credits_by_model.credits_by_model, '{}'::jsonb) as credits_by_model,
        coalesce(run_stats.unique_agents, 0) as unique_agents,
        coalesce(event_stats.error_events, 0) as error_events,
        coalesce(errors_by_type.errors_by_type, '{}'::jsonb) as errors_by_type,
        coalesce(event_stats.api_calls, 0) as api_calls,
        event_stats.api_latency_p95_ms
    from spine
    left join users
        on users.metric_date = spine.day
        and {{ workspace_key('users.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join total_users
        on total_users.day = spine.day
        and {{ workspace_key('total_users.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join event_stats
        on event_stats.metric_date = spine.day
        and {{ workspace_key('event_stats.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join session_stats
        on session_stats.metric_date = spine.day
        and {{ workspace_key('session_stats.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join run_stats
        on run_stats.metric_date = spine.day
        and {{ workspace_key('run_stats.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join credits_by_model
        on credits_by_model.metric_date = spine.day
        and {{ workspace_key('credits_by_model.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join errors_by_type
        on errors_by_type.metric_date = spine.day
        and {{ workspace_key('errors_by_type.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}

),

final as (

    select
        metric_date,
        workspace_id,
        dau,
        new_users,
        dau - new_users as returning_users,
        total_users,
        events,
        page_views,
        sessions,
        avg_session_duration_seconds,
        {{ safe_ratio('bounces', 'sessions') }} as bounce_rate,
        total_runs,
        successful_runs,
        failed_runs,
        cancelled_runs,
        running_runs,
        {{ safe_ratio('successful_runs', 'successful_runs + failed_runs + cancelled_runs') }} as success_rate,
        avg_runtime_seconds,
        runtime_percentiles[1]::numeric as p50_runtime_seconds,
        runtime_percentiles[2]::numeric as p95_runtime_seconds,
        runtime_percentiles[3]::numeric as p99_runtime_seconds,
        credits_consumed,
        credits_by_model,
        unique_agents,
        error_events,
        {{ safe_ratio('failed_runs + error_events', 'total_runs + events') }} as error_rate,
        errors_by_type,
        api_calls,
        api_latency_p95_ms
    from joined

)

select * from final
