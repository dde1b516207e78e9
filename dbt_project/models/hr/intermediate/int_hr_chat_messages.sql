{{ config(materialized='view') }}

{#- The messages of the chat sessions (newest session version), one row per
    message: the session's `messages` JSON array exploded, in array order.
    A session without messages has no row. -#}

with

sessions as (

    select
        session_id,
        organization_id,
        user_id,
        messages
    from {{ ref('stg_hr_chat_sessions') }}
    where jsonb_typeof(messages) = 'array'

),

final as (

    select
        sessions.session_id,
        sessions.organization_id,
        sessions.user_id,
        message.position as message_position,
        message.body ->> 'message_id' as message_id,
        message.body ->> 'sender' as sender,
        {{ json_value('message.body', 'token_count', 'number') }} as token_count,
        message.body ->> 'query_type' as query_type,
        (message.body ->> 'sent_at')::timestamptz as sent_at
    from sessions
    cross join
        lateral jsonb_array_elements(sessions.messages) with ordinality as message (body, position)

)

select * from final
