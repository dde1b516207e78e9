{{ config(materialized='view') }}

{#- Activity sessions: the events of one (organization_id, user_id,
    session_id) of non-deleted users (events without a session_id belong to
    none). A session starts at its first event and counts on that event's
    UTC day (session_date), even when it runs past midnight; duration =
    last event - first event, in seconds. -#}

with

events as (

    select
        organization_id,
        user_id,
        session_id,
        occurred_at
    from {{ ref('int_hr_activity_events') }}
    where session_id is not null

),

final as (

    select
        organization_id,
        user_id,
        session_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        (min(occurred_at) at time zone 'UTC')::date as session_date,
        extract(epoch from max(occurred_at) - min(occurred_at)) as duration_seconds
    from events
    group by organization_id, user_id, session_id

)

select * from final
