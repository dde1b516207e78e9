{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ delete_recomputed('metric_date') }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

with

days as (

    {{ recompute_days() }}

),

events as (

    select
        event_hour,
        workspace_id,
        user_id,
        event_type,
        duration_ms
    from {{ ref('int_activity_events') }}
    where event_date in (select day from days)

),

runs as (

    select
        run_hour,
        workspace_id,
        user_id,
        status,
        credits_consumed
    from {{ ref('int_agent_runs') }}
    where run_date in (select day from days)

),

sessions as (

    select
        workspace_id,
        date_trunc('hour', started_at, 'UTC') as session_hour
    from {{ ref('int_sessions') }}
    where session_date in (select day from days)

),

-- One stream of facts, so that one grouping-sets aggregate gives both the
-- workspace rows and the all-workspaces row from the same rows.
facts as (

    select
        'event' as fact,
        event_hour as metric_hour,
        workspace_id,
        user_id,
        event_type,
        duration_ms,
        null::text as status,
        null::numeric as credits_consumed
    from events

    union all

    select
        'run' as fact,
        run_hour,
        workspace_id,
        user_id,
        null as event_type,
        null as duration_ms,
        status,
        credits_consumed
    from runs

    union all

    select
        'session' as fact,
        session_hour,
        workspace_id,
        null as user_id,
        null as event_type,
        null as duration_ms,
        null as status,
        null as credits_consumed
    from sessions

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        metric_hour,
        (metric_hour at time zone 'UTC')::date as metric_date,
        workspace_id,
        count(distinct user_id) as active_users,
        count(*) filter (where fact = 'event') as events,
        count(*) filter (where event_type = 'page_view') as page_views,
        count(*) filter (where fact = 'session') as sessions_started,
        count(*) filter (where fact = 'run') as total_runs,
        count(*) filter (where status = 'completed') as successful_runs,
        count(*) filter (where status = 'failed') as failed_runs,
        count(*) filter (where status = 'cancelled') as cancelled_runs,
        coalesce(sum(credits_consumed), 0) as credits_consumed,
        count(*) filter (where event_type = 'error') as error_events,
        count(*) filter (where event_type = 'api_call') as api_calls,
        (
            percentile_cont(0.95) within group (order by duration_ms)
            filter (where event_type = 'api_call')
        )::numeric as api_latency_p95_ms
    from facts
    group by grouping sets ((metric_hour, workspace_id), (metric_hour))

)

select * from final
