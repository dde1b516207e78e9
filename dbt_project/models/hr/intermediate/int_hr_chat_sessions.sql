{{ config(materialized='view') }}

{#- Chat sessions (newest version) of non-deleted users with the UTC day of
    started_at and their message counts (int_hr_chat_messages): all
    messages, those sent by the user, and the tokens of all messages (a null
    token_count adds 0). A view: readers filter on metric_date. -#}

with

sessions as (

    select
        session_id,
        organization_id,
        user_id,
        query_type,
        started_at,
        ended_at,
        satisfaction_rating,
        was_helpful
    from {{ ref('stg_hr_chat_sessions') }} as fact
    where {{ hr_not_deleted('fact.user_id') }}

),

message_counts as (

    select
        session_id,
        count(*) as messages,
        count(*) filter (where sender = 'USER') as user_messages,
        coalesce(sum(token_count), 0) as tokens_used
    from {{ ref('int_hr_chat_messages') }}
    group by session_id

),

final as (

    select
        sessions.session_id,
        sessions.organization_id,
        sessions.user_id,
        sessions.query_type,
        sessions.started_at,
        sessions.ended_at,
        sessions.satisfaction_rating,
        sessions.was_helpful,
        coalesce(message_counts.messages, 0) as messages,
        coalesce(message_counts.user_messages, 0) as user_messages,
        coalesce(message_counts.tokens_used, 0) as tokens_used,
        (sessions.started_at at time zone 'UTC')::date as metric_date
    from sessions
    left join message_counts
        on sessions.session_id = message_counts.session_id

)

select * from final
