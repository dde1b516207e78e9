{{
    config(
        meta={'partition_column': 'period_start', 'partition_end_column': 'period_end'},
        pre_hook="{{ delete_recomputed('period_start', reach_days=31, period_end_column='period_end') }}",
        indexes=[{'columns': ['period_start']}],
    )
}}

{#-
    Long KPI table. A period is rebuilt when it contains a rebuilt day; its
    previous period is computed alongside (not stored again) for
    previous_value. Deletions reach 31 days on so that the period after a
    changed one gets its new previous_value too.
-#}

with

rebuilt_days as (

    {{ recompute_days(reach_days=31) }}

),

rebuilt_periods as (

    select distinct
        periods.period_type,
        periods.period_start,
        periods.period_end
    from rebuilt_days
    {{ periods_containing('rebuilt_days.day') }}

),

needed_periods as (

    select
        period_type,
        period_start,
        period_end,
        true as is_rebuilt
    from rebuilt_periods

    union all

    select
        period_type,
        {{ previous_period_start('period_type', 'period_start') }} as period_start,
        period_start - 1 as period_end,
        false as is_rebuilt
    from rebuilt_periods
    where ({{ previous_period_start('period_type', 'period_start') }}, period_type) not in (
        select period_start, period_type
        from rebuilt_periods
    )

),

bounds as (

    select
        min(period_start) as first_day,
        {{ as_of_date() }} as last_day
    from needed_periods

),

first_days as (

    select
        workspace_id,
        min(first_activity_date) as first_activity_date
    from {{ ref('int_user_first_activity') }}
    group by grouping sets ((workspace_id), ())

),

spine as (

    select
        needed_periods.period_type,
        needed_periods.period_start,
        needed_periods.period_end,
        needed_periods.is_rebuilt,
        first_days.workspace_id
    from needed_periods
    inner join first_days
        on needed_periods.period_end >= first_days.first_activity_date
    where needed_periods.period_start <= (select last_day from bounds)

),

daily_metrics as (

    select
        metric_date,
        workspace_id,
        events,
        total_runs,
        successful_runs,
        failed_runs,
        cancelled_runs,
        credits_consumed,
        error_events
    from {{ ref('daily_metrics') }}
    where metric_date between (select first_day from bounds) and (select last_day from bounds)

),

-- Sessions per day, with their all-workspaces row: sum each row kind.
daily_sessions as (

    select
        metric_date,
        workspace_id,
        sessions,
        bounces
    from {{ ref('int_sessions__daily') }}
    where metric_date between (select first_day from bounds) and (select last_day from bounds)

),

activity_days as (

    select
        activity_date,
        workspace_id,
        user_id
    from {{ ref('int_user_activity_days') }}
    where activity_date between (select first_day from bounds) and (select last_day from bounds)

),

api_calls as (

    select
        event_date,
        workspace_id,
        duration_ms
    from {{ ref('int_activity_events') }}
    where event_type = 'api_call'
        and event_date between (select first_day from bounds) and (select last_day from bounds)

),

-- daily_metrics already holds the all-workspaces row: sum each row kind.
daily_sums as (

    select
        periods.period_type,
        periods.period_start,
        daily_metrics.workspace_id,
        sum(daily_metrics.events) as events,
        sum(daily_metrics.total_runs) as total_runs,
        sum(daily_metrics.successful_runs) as successful_runs,
        sum(daily_metrics.successful_runs + daily_metrics.failed_runs + daily_metrics.cancelled_runs)
            as finished_runs,
        sum(daily_metrics.failed_runs) as failed_runs,
        sum(daily_metrics.credits_consumed) as credits_consumed,
        sum(daily_metrics.error_events) as error_events
    from daily_metrics
    {{ periods_containing('daily_metrics.metric_date') }}
    group by periods.period_type, periods.period_start, daily_metrics.workspace_id

),

session_counts as (

    select
        periods.period_type,
        periods.period_start,
        daily_sessions.workspace_id,
        sum(daily_sessions.sessions)::bigint as sessions,
        sum(daily_sessions.bounces)::bigint as bounces
    from daily_sessions
    {{ periods_containing('daily_sessions.metric_date') }}
    group by periods.period_type, periods.period_start, daily_sessions.workspace_id

),

active_user_counts as (

    select
        periods.period_type,
        periods.period_start,
        activity_days.workspace_id,
        count(distinct activity_days.user_id) as active_users
    from activity_days
    {{ periods_containing('activity_days.activity_date') }}
    group by grouping sets (
        (periods.period_type, periods.period_start, activity_days.workspace_id),
        (periods.period_type, periods.period_start)
    )

),

latencies as (

    select
        periods.period_type,
        periods.period_start,
        api_calls.workspace_id,
        (percentile_cont(0.95) within group (order by api_calls.duration_ms))::numeric as api_latency_p95_ms
    from api_calls
    {{ periods_containing('api_calls.event_date') }}
    group by grouping sets (
        (periods.period_type, periods.period_start, api_calls.workspace_id),
        (periods.period_type, periods.period_start)
    )

),

period_values as (

    select
        spine.period_type,
        spine.period_start,
        spine.period_end,
        spine.is_rebuilt,
        spine.workspace_id,
        coalesce(active_user_counts.active_users, 0)::numeric as active_users,
        coalesce(daily_sums.events, 0)::numeric as events,
        coalesce(session_counts.sessions, 0)::numeric as sessions,
        {{ safe_ratio('session_counts.bounces', 'session_counts.sessions') }} as bounce_rate,
        coalesce(daily_sums.total_runs, 0)::numeric as total_runs,
        {{ safe_ratio('daily_sums.successful_runs', 'daily_sums.finished_runs') }} as success_rate,
        coalesce(daily_sums.credits_consumed, 0)::numeric as credits_consumed,
        {{ safe_ratio(
            'daily_sums.failed_runs + daily_sums.error_events',
            'daily_sums.total_runs + daily_sums.events'
        ) }} as error_rate,
        latencies.api_latency_p95_ms
    from spine
    left join daily_sums
        on daily_sums.period_type = spine.period_type
        and daily_sums.period_start = spine.period_start
        and {{ workspace_key('daily_sums.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join session_counts
        on session_counts.period_type = spine.period_type
        and session_counts.period_start = spine.period_start
        and {{ workspace_key('session_counts.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join active_user_counts
        on active_user_counts.period_type = spine.period_type
        and active_user_counts.period_start = spine.period_start
        and {{ workspace_key('active_user_counts.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}
    left join latencies
        on latencies.period_type = spine.period_type
        and latencies.period_start = spine.period_start
        and {{ workspace_key('latencies.workspace_id') }} = {{ workspace_key('spine.workspace_id') }}

),

metric_values as (

    select
        metrics.metric_name,
        metrics.metric_type,
        metrics.category,
        period_values.period_type,
        period_values.period_start,
        period_values.period_end,
        period_values.is_rebuilt,
        period_values.workspace_id,
        metrics.value
    from period_values
    cross join lateral (
        values
            ('active_users', 'count', 'activity', period_values.active_users),
            ('events', 'count', 'activity', period_values.events),
            ('sessions', 'count', 'activity', period_values.sessions),
            ('bounce_rate', 'ratio', 'activity', period_values.bounce_rate),
            ('total_runs', 'count', 'agents', period_values.total_runs),
            ('success_rate', 'ratio', 'agents', period_values.success_rate),
            ('credits_consumed', 'sum', 'agents', period_values.credits_consumed),
            ('error_rate', 'ratio', 'errors', period_values.error_rate),
            ('api_latency_p95_ms', 'percentile', 'latency', period_values.api_latency_p95_ms)
    ) as metrics (metric_name, metric_type, category, value)

),

with_previous as (

    select
        current_period.metric_name,
        current_period.metric_type,
        current_period.category,
        current_period.period_type,
        current_period.period_start,
        current_period.period_end,
        current_period.is_rebuilt,
        current_period.workspace_id,
        current_period.value,
        previous_period.value as previous_value
    from metric_values as current_period
    left join metric_values as previous_period
        on previous_period.metric_name = current_period.metric_name
        and previous_period.period_type = current_period.period_type
        and previous_period.period_start
            = {{ previous_period_start('current_period.period_type', 'current_period.period_start') }}
        and {{ workspace_key('previous_period.workspace_id') }} = {{ workspace_key('current_period.workspace_id') }}

),

final as (

    select
        metric_name,
        metric_type,
        category,
        period_type,
        period_start,
        period_end,
        workspace_id,
        value,
        previous_value,
        trim_scale((value - previous_value) * 100 / nullif(previous_value, 0)) as change_percentage
    from with_previous
    where is_rebuilt

)

select * from final
