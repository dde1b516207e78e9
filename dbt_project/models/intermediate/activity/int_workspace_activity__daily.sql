{{ config(materialized='view') }}

{#-
    The latest activity of each workspace on each UTC day it was active: the
    latest event time or run start of a non-deleted user that day. A view:
    a model reading it filters on activity_date, and the filter reaches the
    events and runs before they are grouped.
-#}

with

latest_times as (

    select
        workspace_id,
        event_date as activity_date,
        max(occurred_at) as last_activity_at
    from {{ ref('int_activity_events') }}
    group by workspace_id, event_date

    union all

    select
        workspace_id,
        run_date,
        max(started_at) as last_activity_at
    from {{ ref('int_agent_runs') }}
    group by workspace_id, run_date

),

final as (

    select
        activity_date,
        workspace_id,
        max(last_activity_at) as last_activity_at
    from latest_times
    group by activity_date, workspace_id

)

select * from final
