{{ config(materialized='view') }}

{#-
    Sessions (int_sessions) per UTC start day and workspace, plus the
    all-workspaces row (workspace_id null) of each day, and their bounce
    rate. A view: a daily
    model reading it filters on metric_date, and the filter reaches the
    sessions before they are grouped.
-#}

with

sessions as (

    select
        session_date,
        workspace_id,
        duration_seconds,
        is_bounce
    from {{ ref('int_sessions') }}

),

final as (

    select
        sessions.session_date as metric_date,
        scope.workspace_id,
        count(*) as sessions,
        trim_scale(avg(sessions.duration_seconds)) as avg_session_duration_seconds,
        count(*) filter (where sessions.is_bounce) as bounces,
        {{ safe_ratio('count(*) filter (where sessions.is_bounce)', 'count(*)') }} as bounce_rate
    from sessions
    {{ with_all_workspaces_row('sessions.workspace_id') }}
    group by sessions.session_date, scope.workspace_id

)

select * from final
