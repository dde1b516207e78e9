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
        lower(feature) as feature,
        occurred_at
    from {{ ref('int_hr_activity_events') }}
    where metric_date in (select day from days)

),

accesses as (

    select
        organization_id,
        user_id,
        metric_date,
        access_type,
        accessed_at
    from {{ ref('int_hr_report_accesses') }}
    where user_id is not null and metric_date in (select day from days)

),

chats as (

    select
        organization_id,
        user_id,
        metric_date,
        user_messages,
        started_at
    from {{ ref('int_hr_chat_sessions') }}
    where user_id is not null and metric_date in (select day from days)

),

user_days as (

    select organization_id, user_id, metric_date, max(occurred_at) as last_at from events
    group by organization_id, user_id, metric_date
    union all
    select organization_id, user_id, metric_date, max(accessed_at) from accesses
    group by organization_id, user_id, metric_date
    union all
    select organization_id, user_id, metric_date, max(started_at) from chats
    group by organization_id, user_id, metric_date

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
        organization_id,
        user_id,
        metric_date,
        {{ hr_jsonb_counts('feature_uses.feature', 'feature_uses.uses') }} as feature_interactions
    from (
        select organization_id, user_id, metric_date, feature, count(*) as uses
        from events
        where feature is not null
        group by organization_id, user_id, metric_date, feature
    ) as feature_uses
    group by organization_id, user_id, metric_date

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

    {#- Sessions starting on a rebuilt day, from their events up to the end of
        the as-of date (int_hr_activity_sessions has the whole history). -#}
    select
        organization_id,
        user_id,
        session_date as metric_date,
        sum(duration_seconds) / 60 as session_duration_minutes
    from (
        select
            organization_id,
            user_id,
            (min(occurred_at) at time zone 'UTC')::date as session_date,
            extract(epoch from max(occurred_at) - min(occurred_at)) as duration_seconds
        from {{ ref('int_hr_activity_events') }}
        where
            session_id in (select session_id from {{ ref('int_hr_activity_events') }} where metric_date in (select day from days))
            and occurred_at < {{ hr_end_of(as_of_date()) }}
        group by organization_id, user_id, session_id
    ) as sessions
    where session_date in (select day from days)
    group by organization_id, user_id, session_date

),

final as (

    select
        keys.organization_id,
        keys.user_id,
        keys.metric_date,
        coalesce(event_counts.login_count, 0) as login_count,
        coalesce(trim_scale(session_minutes.session_duration_minutes), 0) as session_duration_minutes,
        coalesce(access_counts.reports_viewed, 0) as reports_viewed,
        coalesce(access_counts.reports_downloaded, 0) as reports_downloaded,
        coalesce(chat_counts.ai_chat_sessions, 0) as ai_chat_sessions,
        coalesce(chat_counts.ai_chat_messages_sent, 0) as ai_chat_messages_sent,
        coalesce(event_counts.employees_added, 0) as employees_added,
        coalesce(event_counts.employees_updated, 0) as employees_updated,
        coalesce(event_counts.dashboard_visits, 0) as dashboard_visits,
        coalesce(features.feature_interactions, '{}'::jsonb) as feature_interactions,
        keys.last_activity_at
    from (
        select organization_id, user_id, metric_date, max(last_at) as last_activity_at
        from user_days
        group by organization_id, user_id, metric_date
    ) as keys
    left join event_counts using (organization_id, user_id, metric_date)
    left join features using (organization_id, user_id, metric_date)
    left join access_counts using (organization_id, user_id, metric_date)
    left join chat_counts using (organization_id, user_id, metric_date)
    left join session_minutes using (organization_id, user_id, metric_date)

)

select * from final
