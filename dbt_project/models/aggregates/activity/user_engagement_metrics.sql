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
        event_date,
        workspace_id,
        user_id,
        event_type,
        feature,
        occurred_at
    from {{ ref('int_activity_events') }}
    where event_date in (select day from days)

),

runs as (

    select
        run_date,
        workspace_id,
        user_id,
        credits_consumed
    from {{ ref('int_agent_runs') }}
    where run_date in (select day from days)

),

sessions as (

    select
        session_date,
        workspace_id,
        user_id,
        duration_seconds
    from {{ ref('int_sessions') }}
    where session_date in (select day from days)

),

-- Every fact of an active user-day lands in its (day, workspace, user)
-- group: sessions start on a day with an event, so no group lacks activity.
facts as (

    select
        'event' as fact,
        event_date as metric_date,
        workspace_id,
        user_id,
        event_type,
        feature,
        occurred_at,
        null::numeric as credits_consumed,
        null::numeric as duration_seconds
    from events

    union all

    select
        'run' as fact,
        run_date,
        workspace_id,
        user_id,
        null as event_type,
        null as feature,
        null as occurred_at,
        credits_consumed,
        null as duration_seconds
    from runs

    union all

    select
        'session' as fact,
        session_date,
        workspace_id,
        user_id,
        null as event_type,
        null as feature,
        null as occurred_at,
        null as credits_consumed,
        duration_seconds
    from sessions

),

final as (

    select
        metric_date,
        workspace_id,
        user_id,
        count(*) filter (where fact = 'event') as events,
        count(*) filter (where fact = 'session') as sessions,
        coalesce(sum(duration_seconds), 0) as session_seconds,
        count(*) filter (where event_type = 'page_view') as page_views,
        count(*) filter (where event_type = 'feature_use') as feature_uses,
        count(distinct feature) filter (where event_type = 'feature_use') as distinct_features,
        count(*) filter (where fact = 'run') as agent_runs,
        coalesce(sum(credits_consumed), 0) as credits_consumed,
        count(*) filter (where event_type = 'error') as error_events,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at
    from facts
    group by metric_date, workspace_id, user_id

)

select * from final
