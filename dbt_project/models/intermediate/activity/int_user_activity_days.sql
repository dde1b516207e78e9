{{ config(indexes=[{'columns': ['activity_date']}]) }}

with

events as (

    select
        user_id,
        workspace_id,
        event_date as activity_date,
        count(*) as events
    from {{ ref('int_activity_events') }}
    group by user_id, workspace_id, event_date

),

runs as (

    select
        user_id,
        workspace_id,
        run_date as activity_date,
        count(*) as agent_runs
    from {{ ref('int_agent_runs') }}
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
