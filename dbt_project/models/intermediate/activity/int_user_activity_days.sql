{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'workspace_id', 'activity_date'],
        on_schema_change='fail',
        pre_hook=[
            "{{ record_activity_dirty_days() }}",
            "{{ claim_upstream_batches(['stg_user_activity', 'stg_agent_runs']) }}",
        ],
        post_hook="{{ delete_rows_of_deleted_users() }}",
        indexes=[
            {'columns': ['user_id', 'workspace_id', 'activity_date'], 'unique': true},
            {'columns': ['activity_date']},
        ],
    )
}}

{#-
    Batch-incremental: a run recomputes only the (user, workspace, day)
    cells that the new ingest batches touch, from all of that day's rows.
    Those days (and a first activity day moved earlier) are recorded as
    dirty for the daily models (macros/dirty_days.sql).
-#}
-- depends_on: {{ ref('stg_users') }}

with

{% if batch_incremental() -%}
touched as (

    select
        user_id,
        workspace_id,
        event_date as activity_date
    from {{ ref('int_activity_events') }}
    where {{ in_claimed_batches() }}

    union

    select
        user_id,
        workspace_id,
        run_date as activity_date
    from {{ ref('int_agent_runs') }}
    where {{ in_claimed_batches() }}

),

{% endif -%}
events as (

    select
        user_id,
        workspace_id,
        event_date as activity_date,
        count(*) as events
    from {{ ref('int_activity_events') }}
    {% if batch_incremental() -%}
    where
        (user_id, workspace_id, event_date) in (
            select
                user_id,
                workspace_id,
                activity_date
            from touched
        )
    {% endif -%}
    group by user_id, workspace_id, event_date

),

runs as (

    select
        user_id,
        workspace_id,
        run_date as activity_date,
        count(*) as agent_runs
    from {{ ref('int_agent_runs') }}
    {% if batch_incremental() -%}
    where
        (user_id, workspace_id, run_date) in (
            select
                user_id,
                workspace_id,
                activity_date
            from touched
        )
    {% endif -%}
    group by user_id, workspace_id, run_date

),

final as (

    select
        coalesce(events.user_id, runs.user_id) as user_id,
        coalesce(events.workspace_id, runs.workspace_id) as workspace_id,
        coalesce(events.activity_date, runs.activity_date) as activity_date,
        coalesce(events.events, 0) as events,
        coalesce(runs.agent_runs, 0) as agent_runs
    from events
    full outer join runs
        on events.user_id = runs.user_id
        and events.workspace_id = runs.workspace_id
        and events.activity_date = runs.activity_date

)

select * from final
