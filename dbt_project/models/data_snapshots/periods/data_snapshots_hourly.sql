{#- Each hour's row of hourly_metrics, frozen. -#}

with

hours as (

    select
        metric_hour,
        workspace_id,
        active_users,
        events,
        page_views,
        sessions_started,
        total_runs,
        successful_runs,
        failed_runs,
        cancelled_runs,
        credits_consumed,
        error_events,
        api_calls,
        api_latency_p95_ms
    from {{ ref('hourly_metrics') }}
    where {{ in_snapshot_window('metric_hour') }}

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        'hourly'::text as snapshot_type,
        metric_hour as snapshot_date,
        metric_hour + interval '1 hour' as period_end,
        workspace_id,
        jsonb_build_object(
            'active_users', active_users,
            'events', events,
            'page_views', page_views,
            'sessions_started', sessions_started,
            'total_runs', total_runs,
            'successful_runs', successful_runs,
            'failed_runs', failed_runs,
            'cancelled_runs', cancelled_runs,
            'credits_consumed', credits_consumed,
            'error_events', error_events,
            'api_calls', api_calls,
            'api_latency_p95_ms', api_latency_p95_ms
        ) as data
    from hours

)

select * from final
