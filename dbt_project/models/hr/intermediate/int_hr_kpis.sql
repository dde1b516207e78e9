{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        tags=['daily'],
        meta={'partition_column': 'period_start', 'partition_end_column': 'period_end'},
        pre_hook="{{ delete_recomputed('period_start', reach_days=31, period_end_column='period_end', days_model='int_hr_activity_days', deleted_days_model=none) }}",
        indexes=[{'columns': ['period_start']}],
    )
}}

{#-
    The HR pack's KPIs in the long shape of analytics_metrics (which copies
    them): per day, ISO week and month, per organization (as workspace_id)
    and for all organizations (null), with the previous period's value.
    Rebuilt like analytics_metrics: a period containing a day this run
    rebuilds (hr_recompute_days), reaching 31 days on for previous_value.
    Ratios pool the period's numerators and denominators.
-#}

with

spine as (

    {{ workspace_period_spine(
        rebuilt_days=hr_recompute_days(reach_days=31),
        first_days='select organization_id as workspace_id, created_date as first_activity_date from ('
            ~ hr_organization_first_days() ~ ') as created',
    ) }}

),

bounds as (

    select
        min(period_start) as first_day,
        {{ as_of_date() }} as last_day
    from spine

),

-- One row per fact a KPI counts: its kind, user, flags and measure.
facts as (

    select
        'activity' as fact,
        organization_id,
        metric_date,
        user_id,
        null::boolean as is_success,
        null::boolean as is_failure,
        null::boolean as is_numerator,
        null::boolean as is_denominator,
        null::numeric as measure
    from {{ ref('int_hr_activity_events') }}
    union all
    select
        'report' as fact,
        organization_id,
        metric_date,
        null as user_id,
        status = 'SUCCESS' as is_success,
        status = 'FAILED' as is_failure,
        null as is_numerator,
        null as is_denominator,
        null as measure
    from {{ ref('int_hr_report_generations') }}
    union all
    select
        'hire' as fact,
        organization_id,
        (hired_at at time zone 'UTC')::date as metric_date,
        null as user_id,
        null as is_success,
        null as is_failure,
        null as is_numerator,
        null as is_denominator,
        null as measure
    from {{ ref('stg_hr_employees') }}
    where hired_at is not null
    union all
    select
        'chat' as fact,
        organization_id,
        metric_date,
        null as user_id,
        null as is_success,
        null as is_failure,
        was_helpful as is_numerator,
        was_helpful is not null as is_denominator,
        null as measure
    from {{ ref('int_hr_chat_sessions') }}
    union all
    select
        'notification' as fact,
        organization_id,
        metric_date,
        null as user_id,
        null as is_success,
        null as is_failure,
        read_at is not null as is_numerator,
        delivered_at is not null as is_denominator,
        null as measure
    from {{ ref('int_hr_notification_deliveries') }}
    union all
    select
        'widget_load' as fact,
        organization_id,
        metric_date,
        null as user_id,
        null as is_success,
        null as is_failure,
        null as is_numerator,
        null as is_denominator,
        load_time_ms as measure
    from {{ ref('int_hr_dashboard_interactions') }}
    where interaction_type = 'WIDGET_LOAD'

),

-- Each fact in the bounds under the periods of its day, once per scope.
period_facts as (

    select
        periods.period_type,
        periods.period_start,
        scope.organization_id as workspace_id,
        facts.fact,
        facts.user_id,
        facts.is_success,
        facts.is_failure,
        facts.is_numerator,
        facts.is_denominator,
        facts.measure
    from facts
    {{ hr_with_all_organizations_row('facts.organization_id') }}
    {{ periods_containing('facts.metric_date') }}
    where facts.metric_date between (select first_day from bounds) and (select last_day from bounds)

),

period_sums as (

    select
        period_type,
        period_start,
        workspace_id,
        count(distinct user_id) filter (where fact = 'activity') as hr_active_users,
        count(*) filter (where fact = 'report' and is_success) as reports_generated,
        count(*) filter (where fact = 'report' and is_failure) as reports_failed,
        count(*) filter (where fact = 'hire') as employees_hired,
        count(*) filter (where fact = 'chat') as chat_sessions,
        count(*) filter (where fact = 'chat' and is_numerator) as chats_helpful,
        count(*) filter (where fact = 'chat' and is_denominator) as chats_answered,
        count(*) filter (where fact = 'notification' and is_numerator) as notifications_read,
        count(*) filter (where fact = 'notification' and is_denominator) as notifications_delivered,
        percentile_cont(0.95) within group (order by measure)
        filter (where fact = 'widget_load') as dashboard_load_p95_ms
    from period_facts
    group by period_type, period_start, workspace_id

),

period_values as (

    select
        spine.period_type,
        spine.period_start,
        spine.period_end,
        spine.is_rebuilt,
        spine.workspace_id,
        coalesce(sums.hr_active_users, 0)::numeric as hr_active_users,
        coalesce(sums.reports_generated, 0)::numeric as reports_generated,
        {{ safe_ratio('sums.reports_generated', 'sums.reports_generated + sums.reports_failed') }}
            as report_success_rate,
        coalesce(sums.employees_hired, 0)::numeric as employees_hired,
        coalesce(sums.chat_sessions, 0)::numeric as chat_sessions,
        {{ safe_ratio('sums.chats_helpful', 'sums.chats_answered') }} as chat_helpful_rate,
        {{ safe_ratio('sums.notifications_read', 'sums.notifications_delivered') }}
            as notification_read_rate,
        sums.dashboard_load_p95_ms::numeric as dashboard_load_p95_ms
    from spine
    left join period_sums as sums
        on spine.period_type = sums.period_type
        and spine.period_start = sums.period_start
        and {{ same_workspace('spine.workspace_id', 'sums.workspace_id') }}

),

final as (

    {{ kpis_with_previous('period_values', hr_kpi_metrics()) }}

)

select * from final
