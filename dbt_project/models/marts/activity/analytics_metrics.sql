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
    changed one gets its new previous_value too. The pieces bound to this
    run's days are macros (analytics_helpers.sql): the periods to build
    (workspace_period_spine), the API latency per period and the long rows
    with their previous values (kpis_with_previous).
-#}

with

spine as (

    {{ workspace_period_spine(reach_days=31) }}

),

bounds as (

    select
        min(period_start) as first_day,
        {{ as_of_date() }} as last_day
    from spine

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

-- daily_metrics already holds the all-workspaces row: sum each row kind.
daily_sums as (

    select
        periods.period_type,
        periods.period_start,
        daily_metrics.workspace_id,
        sum(daily_metrics.events) as events,
        sum(daily_metrics.total_runs) as total_runs,
        sum(daily_metrics.successful_runs) as successful_runs,
        sum(
            daily_metrics.successful_runs + daily_metrics.failed_runs + daily_metrics.cancelled_runs
        ) as finished_runs,
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

    {{ api_latency_p95_by_period(
        '(select first_day from bounds)', '(select last_day from bounds)'
    ) }}

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
        on spine.period_type = daily_sums.period_type
        and spine.period_start = daily_sums.period_start
        and {{ same_workspace('spine.workspace_id', 'daily_sums.workspace_id') }}
    left join session_counts
        on spine.period_type = session_counts.period_type
        and spine.period_start = session_counts.period_start
        and {{ same_workspace('spine.workspace_id', 'session_counts.workspace_id') }}
    left join active_user_counts
        on spine.period_type = active_user_counts.period_type
        and spine.period_start = active_user_counts.period_start
        and {{ same_workspace('spine.workspace_id', 'active_user_counts.workspace_id') }}
    left join latencies
        on spine.period_type = latencies.period_type
        and spine.period_start = latencies.period_start
        and {{ same_workspace('spine.workspace_id', 'latencies.workspace_id') }}

),

final as (

    {{ kpis_with_previous('period_values', [
        ('active_users', 'count', 'activity'),
        ('events', 'count', 'activity'),
        ('sessions', 'count', 'activity'),
        ('bounce_rate', 'ratio', 'activity'),
        ('total_runs', 'count', 'agents'),
        ('success_rate', 'ratio', 'agents'),
        ('credits_consumed', 'sum', 'agents'),
        ('error_rate', 'ratio', 'errors'),
        ('api_latency_p95_ms', 'percentile', 'latency'),
    ]) }}

)

select * from final
