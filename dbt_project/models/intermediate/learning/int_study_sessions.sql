{{ config(indexes=[{'columns': ['session_day']}]) }}

{#-
    Study sessions of non-deleted users, one per (workspace_id, user_id,
    session_id) of stg_study_events. Events are ordered by occurred_at
    (never by arrival), ties by event_id.
    - started_at: the earliest session_start; without one, the first event.
    - ended_at: the latest session_end; without one, the last event; never
      before started_at.
    - Pauses: a session_pause starts a pause unless one is already running
      (repeated pauses extend nothing); the next session_resume ends it; a
      resume without a running pause is ignored; a pause never resumed lasts
      until ended_at. A pause and a resume at the same instant order pause
      first. Pause time is clipped to [started_at, ended_at].
-#}

with

study_events as (

    select
        event_id,
        user_id,
        workspace_id,
        session_id,
        event_type,
        occurred_at
    from {{ ref('stg_study_events') }}

),

deleted_users as (

    select user_id
    from {{ ref('stg_users') }}
    where is_deleted

),

events as (

    select
        study_events.event_id,
        study_events.user_id,
        study_events.workspace_id,
        study_events.session_id,
        study_events.event_type,
        study_events.occurred_at
    from study_events
    where
        not exists (
            select 1
            from deleted_users
            where deleted_users.user_id = study_events.user_id
        )

),

bounds as (

    select
        workspace_id,
        user_id,
        session_id,
        coalesce(
            min(occurred_at) filter (where event_type = 'session_start'),
            min(occurred_at)
        ) as started_at,
        coalesce(
            max(occurred_at) filter (where event_type = 'session_end'),
            max(occurred_at)
        ) as last_at,
        bool_or(event_type = 'session_end') as has_end,
        count(*) as event_count
    from events
    group by workspace_id, user_id, session_id

),

sessions as (

    select
        workspace_id,
        user_id,
        session_id,
        started_at,
        has_end,
        event_count,
        greatest(last_at, started_at) as ended_at
    from bounds

),

pause_events as (

    select
        workspace_id,
        user_id,
        session_id,
        event_id,
        event_type,
        occurred_at,
        lag(event_type) over pause_order as previous_type
    from events
    where event_type in ('session_pause', 'session_resume')
    window pause_order as (
        partition by workspace_id, user_id, session_id
        order by occurred_at, event_type = 'session_resume', event_id
    )

),

-- The events that change the state: they alternate pause, resume, pause, ...
transitions as (

    select
        workspace_id,
        user_id,
        session_id,
        event_id,
        event_type,
        occurred_at
    from pause_events
    where (event_type = 'session_pause' and previous_type is distinct from 'session_pause')
        or (event_type = 'session_resume' and previous_type = 'session_pause')

),

pauses as (

    select
        workspace_id,
        user_id,
        session_id,
        event_type,
        occurred_at as paused_at,
        lead(occurred_at) over (
            partition by workspace_id, user_id, session_id
            order by occurred_at, event_type = 'session_resume', event_id
        ) as resumed_at
    from transitions

),

paused_time as (

    select
        sessions.workspace_id,
        sessions.user_id,
        sessions.session_id,
        sum(
            greatest(
                extract(
                    epoch from
                    least(coalesce(pauses.resumed_at, sessions.ended_at), sessions.ended_at)
                    - greatest(pauses.paused_at, sessions.started_at)
                ),
                0
            )
        ) as paused_seconds
    from sessions
    inner join pauses
        on sessions.workspace_id = pauses.workspace_id
        and sessions.user_id = pauses.user_id
        and sessions.session_id = pauses.session_id
    where pauses.event_type = 'session_pause'
    group by sessions.workspace_id, sessions.user_id, sessions.session_id

),

final as (

    select
        sessions.session_id,
        sessions.workspace_id,
        sessions.user_id,
        sessions.started_at,
        sessions.ended_at,
        sessions.has_end,
        sessions.event_count,
        trim_scale(extract(epoch from sessions.ended_at - sessions.started_at)) as duration_seconds,
        trim_scale(coalesce(paused_time.paused_seconds, 0)) as paused_seconds,
        trim_scale(
            (
                extract(epoch from sessions.ended_at - sessions.started_at)
                - coalesce(paused_time.paused_seconds, 0)
            ) / 60
        ) as study_minutes,
        (sessions.started_at at time zone 'UTC')::date as session_day
    from sessions
    left join paused_time
        on sessions.workspace_id = paused_time.workspace_id
        and sessions.user_id = paused_time.user_id
        and sessions.session_id = paused_time.session_id

)

select * from final
