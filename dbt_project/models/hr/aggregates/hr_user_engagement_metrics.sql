{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ hr_delete_recomputed() }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

with

days as (

    {{ hr_recompute_days() }}

),

events as (

    select
        organization_id,
        user_id,
        metric_date,
        event_type,
        lower(feature) as feature
    from {{ ref('int_hr_activity_events') }}
    where metric_date in (select day from days)

),

accesses as (

    select
        organization_id,
        user_id,
        metric_date,
        access_type
    from {{ ref('int_hr_report_accesses') }}
    where user_id is not null and metric_date in (select day from days)

),

chats as (

    select
        organization_id,
        user_id,
        metric_date,
        user_messages
    from {{ ref('int_hr_chat_sessions') }}
    where user_id is not null and metric_date in (select day from days)

),

event_counts as (

    select
        organization_id,
        user_id,
        metric_date,
        count(*) filter (where event_type = 'LOGIN') as login_count,
        count(*) filter (where event_type = 'EMPLOYEE_ADDED') as employees_added,
        count(*) filter (where event_type = 'EMPLOYEE_UPDATED') as employees_updated,
        count(*) filter (where event_type = 'DASHBOARD_LOAD') as dashboard_visits
    from events
    group by organization_id, user_id, metric_date

),

features as (

    select
        feature_uses.organization_id,
        feature_uses.user_id,
        feature_uses.metric_date,
        {{ hr_jsonb_counts('feature_uses.feature', 'feature_uses.uses') }} as feature_interactions
    from (
        select
            organization_id,
            user_id,
            metric_date,
            feature,
            count(*) as uses
        from events
        where feature is not null
        group by organization_id, user_id, metric_date, feature
    ) as feature_uses
    group by feature_uses.organization_id, feature_uses.user_id, feature_uses.metric_date

),

access_counts as (

    select
        organization_id,
        user_id,
        metric_date,
        count(*) filter (where access_type = 'VIEW') as reports_viewed,
        count(*) filter (where access_type = 'DOWNLOAD') as reports_downloaded
    from accesses
    group by organization_id, user_id, metric_date

),

chat_counts as (

    select
        organization_id,
        user_id,
        metric_date,
        count(*) as ai_chat_sessions,
        sum(user_messages)::bigint as ai_chat_messages_sent
    from chats
    group by organization_id, user_id, metric_date

),

session_minutes as (

    {{ hr_session_minutes() }}

),

final as (

    select  -- noqa: ST06
        user_day.organization_id,
        user_day.user_id,
        user_day.metric_date,
        coalesce(event_counts.login_count, 0) as login_count,
        coalesce(trim_scale(session_minutes.session_duration_minutes), 0)
            as session_duration_minutes,
        coalesce(access_counts.reports_viewed, 0) as reports_viewed,
        coalesce(access_counts.reports_downloaded, 0) as reports_downloaded,
        coalesce(chat_counts.ai_chat_sessions, 0) as ai_chat_sessions,
        coalesce(chat_counts.ai_chat_messages_sent, 0) as ai_chat_messages_sent,
        coalesce(event_counts.employees_added, 0) as employees_added,
        coalesce(event_counts.employees_updated, 0) as employees_updated,
        coalesce(event_counts.dashboard_visits, 0) as dashboard_visits,
        coalesce(features.feature_interactions, '{}'::jsonb) as feature_interactions,
        user_day.last_activity_at
    from {{ ref('int_hr_user_days') }} as user_day
    left join event_counts
        on {{ hr_same_user_day('user_day', 'event_counts') }}
    left join features
        on {{ hr_same_user_day('user_day', 'features') }}
    left join access_counts
        on {{ hr_same_user_day('user_day', 'access_counts') }}
    left join chat_counts
        on {{ hr_same_user_day('user_day', 'chat_counts') }}
    left join session_minutes
        on {{ hr_same_user_day('user_day', 'session_minutes') }}
    where user_day.metric_date in (select day from days)

)

select * from final
