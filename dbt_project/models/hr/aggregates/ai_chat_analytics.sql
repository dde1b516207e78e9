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

sessions as (

    select  -- noqa: ST06
        organization_id,
        metric_date,
        user_id,
        coalesce(query_type, 'unknown') as query_type,
        messages,
        user_messages,
        tokens_used,
        extract(epoch from ended_at - started_at) as duration_seconds,
        satisfaction_rating,
        was_helpful
    from {{ ref('int_hr_chat_sessions') }}
    where metric_date in (select day from days)

),

session_stats as (

    select
        organization_id,
        metric_date,
        count(*) as sessions,
        count(distinct user_id) as unique_users,
        sum(messages)::bigint as messages,
        sum(user_messages)::bigint as user_messages,
        sum(tokens_used) as tokens_used,
        avg(duration_seconds) as average_session_duration_seconds,
        count(satisfaction_rating) as rated_sessions,
        avg(satisfaction_rating) as average_satisfaction,
        {{ safe_ratio('count(*) filter (where was_helpful)', 'count(was_helpful)') }}
            as helpful_rate
    from sessions
    group by organization_id, metric_date

),

query_types as (

    select
        type_sessions.organization_id,
        type_sessions.metric_date,
        {{ hr_jsonb_counts('type_sessions.query_type', 'type_sessions.sessions') }}
            as query_type_distribution
    from (
        select
            organization_id,
            metric_date,
            query_type,
            count(*) as sessions
        from sessions
        group by organization_id, metric_date, query_type
    ) as type_sessions
    group by type_sessions.organization_id, type_sessions.metric_date

),

final as (

    select  -- noqa: ST06
        session_stats.organization_id,
        session_stats.metric_date,
        session_stats.sessions,
        session_stats.unique_users,
        session_stats.messages,
        session_stats.user_messages,
        trim_scale(session_stats.tokens_used) as tokens_used,
        trim_scale(session_stats.average_session_duration_seconds)
            as average_session_duration_seconds,
        session_stats.rated_sessions,
        trim_scale(session_stats.average_satisfaction) as average_satisfaction,
        session_stats.helpful_rate,
        query_types.query_type_distribution
    from session_stats
    inner join query_types
        on session_stats.organization_id = query_types.organization_id
        and session_stats.metric_date = query_types.metric_date

)

select * from final
