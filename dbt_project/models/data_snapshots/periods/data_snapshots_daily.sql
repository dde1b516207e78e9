{#- Each day's row of daily_metrics, frozen. -#}

with

days as (

    select
        metric_date,
        workspace_id,
        dau,
        new_users,
        returning_users,
        total_users,
        events,
        sessions,
        avg_session_duration_seconds,
        bounce_rate,
        total_runs,
        success_rate,
        credits_consumed,
        error_rate,
        api_calls,
        api_latency_p95_ms
    from {{ ref('daily_metrics') }}
    where {{ on_snapshot_window_days('metric_date') }}

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        'daily'::text as snapshot_type,
        metric_date::timestamp at time zone 'UTC' as snapshot_date,
        (metric_date + 1)::timestamp at time zone 'UTC' as period_end,
        workspace_id,
        jsonb_build_object(
            'active_users', dau,
            'new_users', new_users,
            'returning_users', returning_users,
            'total_users', total_users,
            'events', events,
            'sessions', sessions,
            'avg_session_duration_seconds', avg_session_duration_seconds,
            'bounce_rate', bounce_rate,
            'total_runs', total_runs,
            'success_rate', success_rate,
            'credits_consumed', credits_consumed,
            'error_rate', error_rate,
            'api_calls', api_calls,
            'api_latency_p95_ms', api_latency_p95_ms
        ) as data
    from days

)

select * from final
where {{ in_snapshot_window('snapshot_date') }}
