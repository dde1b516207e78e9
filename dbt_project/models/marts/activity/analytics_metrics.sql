{{
    config(
        on_schema_change='append_new_columns',
        meta={'partition_column': 'period_start', 'partition_end_column': 'period_end'},
        pre_hook=[
            "{{ delete_recomputed('period_start', reach_days=31, period_end_column='period_end', days_model=analytics_metrics_day_models()) }}",
            "{{ delete_whole_pack_kpis() }}",
        ],
        indexes=[{'columns': ['period_start']}],
    )
}}

{#-
    Long KPI table; a domain pack's rows are its KPI model's of the rebuilt
    periods (analytics_metrics_packs), or all of them for a pack rebuilt
    whole per date (analytics_metrics_whole_packs: the hospital's). A period is rebuilt when it contains a
    rebuilt day (activity or a pack's); its previous period is computed alongside for previous_value, and
    deletions reach 31 days on so that the next period's previous_value
    follows. The pieces bound to the run's days are macros
    (analytics_helpers.sql: workspace_period_spine, kpis_with_previous, ...).
-#}

with

kpi_days as (

    {{ recompute_days(31, analytics_metrics_day_models()) }}

),

spine as (

    {{ workspace_period_spine(rebuilt_days='select day from kpi_days') }}

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

-- int_sessions__daily holds the all-workspaces row too: sum each row kind.
session_counts as (

    select
        periods.period_type,
        periods.period_start,
        daily_sessions.workspace_id,
        sum(daily_sessions.sessions)::bigint as sessions,
        sum(daily_sessions.bounces)::bigint as bounces
    from {{ ref('int_sessions__daily') }} as daily_sessions
    {{ periods_containing('daily_sessions.metric_date') }}
    where daily_sessions.metric_date between
        (select first_day from bounds) and (select last_day from bounds)
    group by periods.period_type, periods.period_start, daily_sessions.workspace_id

),

active_user_counts as (

    select
        periods.period_type,
        periods.period_start,
        activity_days.workspace_id,
        count(distinct activity_days.user_id) as active_users
    from {{ ref('int_user_activity_days') }} as activity_days
    {{ periods_containing('activity_days.activity_date') }}
    where activity_days.activity_date between
        (select first_day from bounds) and (select last_day from bounds)
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

-- The domain packs' rows: of the rebuilt periods, or all (packs rebuilt whole).
pack_kpis as (

    {{ analytics_metrics_pack_rows('kpi_days') }}

),

activity_kpis as (

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

select
    activity_kpis.*,
    {{ _scope_columns_of('activity') }}
from activity_kpis
union all
select * from pack_kpis
