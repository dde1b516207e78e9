{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ delete_recomputed('metric_date') }}",
        post_hook="{{ refresh_total_users('metric_date') }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

{#-
    One row per rebuilt day and workspace (and the all-workspaces row): the
    per-concept daily views of the intermediate layer joined on a spine of
    the rebuilt days. The views give each concept's own rates (bounce,
    success); error_rate, over runs and events, is computed here. Each view
    is read between the first and last rebuilt day, a filter that reaches
    its facts before they are grouped, so an incremental run groups those
    days only; the spine keeps exactly the rebuilt days.
-#}

with

days as (

    {{ recompute_days() }}

),

bounds as (

    select
        min(day) as first_day,
        max(day) as last_day
    from days

),

spine as (

    {{ workspace_day_spine('days') }}

),

total_users as (

    {{ total_users_by_day('days') }}

),

users as (

    select
        metric_date,
        workspace_id,
        active_users,
        new_users,
        returning_users
    from {{ ref('int_active_users__daily') }}
    where metric_date between (select first_day from bounds) and (select last_day from bounds)

),

event_stats as (

    select
        metric_date,
        workspace_id,
        events,
        page_views,
        error_events,
        api_calls,
        api_latency_p95_ms
    from {{ ref('int_activity_events__daily') }}
    where metric_date between (select first_day from bounds) and (select last_day from bounds)

),

session_stats as (

    select
        metric_date,
        workspace_id,
        sessions,
        avg_session_duration_seconds,
        bounce_rate
    from {{ ref('int_sessions__daily') }}
    where metric_date between (select first_day from bounds) and (select last_day from bounds)

),

run_stats as (

    select
        metric_date,
        workspace_id,
        total_runs,
        successful_runs,
        failed_runs,
        cancelled_runs,
        running_runs,
        success_rate,
        avg_runtime_seconds,
        p50_runtime_seconds,
        p95_runtime_seconds,
        p99_runtime_seconds,
        credits_consumed,
        unique_agents
    from {{ ref('int_agent_runs__daily') }}
    where metric_date between (select first_day from bounds) and (select last_day from bounds)

),

credits as (

    select
        metric_date,
        workspace_id,
        credits_by_model
    from {{ ref('int_agent_credits__daily') }}
    where metric_date between (select first_day from bounds) and (select last_day from bounds)

),

errors as (

    select
        metric_date,
        workspace_id,
        errors_by_type
    from {{ ref('int_errors__daily') }}
    where metric_date between (select first_day from bounds) and (select last_day from bounds)

),

final as (

    select
        spine.day as metric_date,
        spine.workspace_id,
        coalesce(users.active_users, 0) as dau,
        coalesce(users.new_users, 0) as new_users,
        coalesce(users.returning_users, 0) as returning_users,
        coalesce(total_users.total_users, 0) as total_users,
        coalesce(event_stats.events, 0) as events,
        coalesce(event_stats.page_views, 0) as page_views,
        coalesce(session_stats.sessions, 0) as sessions,
        session_stats.avg_session_duration_seconds,
        session_stats.bounce_rate,
        coalesce(run_stats.total_runs, 0) as total_runs,
        coalesce(run_stats.successful_runs, 0) as successful_runs,
        coalesce(run_stats.failed_runs, 0) as failed_runs,
        coalesce(run_stats.cancelled_runs, 0) as cancelled_runs,
        coalesce(run_stats.running_runs, 0) as running_runs,
        run_stats.success_rate,
        run_stats.avg_runtime_seconds,
        run_stats.p50_runtime_seconds,
        run_stats.p95_runtime_seconds,
        run_stats.p99_runtime_seconds,
        coalesce(run_stats.credits_consumed, 0) as credits_consumed,
        coalesce(credits.credits_by_model, '{}'::jsonb) as credits_by_model,
        coalesce(run_stats.unique_agents, 0) as unique_agents,
        coalesce(event_stats.error_events, 0) as error_events,
        -- The one rate across two concepts (runs and events), either of them missing.
        {{ safe_ratio(
            'coalesce(run_stats.failed_runs, 0) + coalesce(event_stats.error_events, 0)',
            'coalesce(run_stats.total_runs, 0) + coalesce(event_stats.events, 0)'
        ) }} as error_rate,
        coalesce(errors.errors_by_type, '{}'::jsonb) as errors_by_type,
        coalesce(event_stats.api_calls, 0) as api_calls,
        event_stats.api_latency_p95_ms
    from spine
    left join users
        on spine.day = users.metric_date
        and {{ same_workspace('spine.workspace_id', 'users.workspace_id') }}
    left join total_users
        on spine.day = total_users.day
        and {{ same_workspace('spine.workspace_id', 'total_users.workspace_id') }}
    left join event_stats
        on spine.day = event_stats.metric_date
        and {{ same_workspace('spine.workspace_id', 'event_stats.workspace_id') }}
    left join session_stats
        on spine.day = session_stats.metric_date
        and {{ same_workspace('spine.workspace_id', 'session_stats.workspace_id') }}
    left join run_stats
        on spine.day = run_stats.metric_date
        and {{ same_workspace('spine.workspace_id', 'run_stats.workspace_id') }}
    left join credits
        on spine.day = credits.metric_date
        and {{ same_workspace('spine.workspace_id', 'credits.workspace_id') }}
    left join errors
        on spine.day = errors.metric_date
        and {{ same_workspace('spine.workspace_id', 'errors.workspace_id') }}

)

select * from final
