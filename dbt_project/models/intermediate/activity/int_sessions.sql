{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ claim_upstream_batches(['stg_user_activity']) }}",
            "{{ plan_session_rebuild() }}",
        ],
        post_hook=[
            "{{ record_rebuilt_session_days() }}",
            "{{ delete_rows_of_deleted_users() }}",
        ],
        indexes=[
            {'columns': ['session_key'], 'unique': true},
            {'columns': ['session_date']},
            {'columns': ['workspace_id', 'user_id', 'started_at']},
        ],
    )
}}

{#-
    Sessions: events with a session_id belong to (workspace, user,
    session_id); the others are sessionized per (workspace, user): a session
    starts at the first event and after every gap of more than 30 minutes
    (exactly 30:00 stays in the session). Ties on occurred_at are ordered by
    event_id so that the derived ids never depend on the plan.

    Batch-incremental: plan_session_rebuild (pre_hook) deletes the sessions
    the new batches can change: each given session with a new event, and a
    user's derived sessions from the last one starting at or before the
    user's first new unsessioned event; they are rebuilt here from all of
    their events. Earlier sessions cannot change, since the gap before the
    restart event is older than any new event. The start days of the
    deleted and the rebuilt sessions are recorded as dirty for the daily
    models (macros/dirty_days.sql).
-#}
-- depends_on: {{ ref('stg_users') }}
-- depends_on: {{ ref('stg_user_activity') }}

with

events as (

    select
        event_id,
        user_id,
        workspace_id,
        session_id,
        occurred_at
    -- The alias serves the batch-incremental filter only.
    from {{ ref('int_activity_events') }} as event_row  -- noqa: AL05
    {% if batch_incremental() -%}
    where
        exists (
            select 1
            from pg_temp.{{ session_rebuild_table() }} as rebuild
            where
                rebuild.workspace_id = event_row.workspace_id
                and rebuild.user_id = event_row.user_id
                and (
                    (event_row.session_id is not null and rebuild.session_id = event_row.session_id)
                    or (
                        event_row.session_id is null and rebuild.session_id is null
                        and event_row.occurred_at >= rebuild.restart_at
                    )
                )
        )
    {%- endif %}

),

given_sessions as (

    select
        workspace_id,
        user_id,
        session_id,
        false as is_derived,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as event_count
    from events
    where session_id is not null
    group by workspace_id, user_id, session_id

),

unsessioned as (

    select
        event_id,
        user_id,
        workspace_id,
        occurred_at,
        lag(occurred_at) over (
            partition by workspace_id, user_id
            order by occurred_at, event_id
        ) as previous_occurred_at
    from events
    where session_id is null

),

session_starts as (

    select
        event_id,
        user_id,
        workspace_id,
        occurred_at,
        (
            previous_occurred_at is null
            or occurred_at - previous_occurred_at > interval '30 minutes'
        ) as is_session_start
    from unsessioned

),

numbered as (

    select
        event_id,
        user_id,
        workspace_id,
        occurred_at,
        is_session_start,
        count(*) filter (where is_session_start) over (
            partition by workspace_id, user_id
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from session_starts

),

derived_sessions as (

    select
        workspace_id,
        user_id,
        true as is_derived,
        'derived-' || md5(
            user_id || '|' || max(case when is_session_start then event_id end)
        ) as session_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as event_count
    from numbered
    group by workspace_id, user_id, session_number

),

sessions as (

    select
        workspace_id,
        user_id,
        session_id,
        is_derived,
        started_at,
        ended_at,
        event_count
    from given_sessions

    union all

    select
        workspace_id,
        user_id,
        session_id,
        is_derived,
        started_at,
        ended_at,
        event_count
    from derived_sessions

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        md5(workspace_id || '|' || user_id || '|' || session_id) as session_key,
        user_id,
        workspace_id,
        session_id,
        is_derived,
        started_at,
        ended_at,
        (started_at at time zone 'UTC')::date as session_date,
        trim_scale(extract(epoch from ended_at - started_at)) as duration_seconds,
        event_count,
        event_count = 1 as is_bounce
    from sessions

)

select * from final
