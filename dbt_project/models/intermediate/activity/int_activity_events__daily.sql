{{ config(materialized='view') }}

{#-
    Product activity events of non-deleted users per UTC day and workspace,
    plus the all-workspaces row (workspace_id null) of each day. A view: a
    daily model reading it filters on metric_date, and the filter reaches the
    events before they are grouped.
-#}

with

events as (

    select
        event_date,
        workspace_id,
        event_type,
        duration_ms
    from {{ ref('int_activity_events') }}

),

final as (

    select
        events.event_date as metric_date,
        scope.workspace_id,
        count(*) as events,
        count(*) filter (where events.event_type = 'page_view') as page_views,
        count(*) filter (where events.event_type = 'error') as error_events,
        count(*) filter (where events.event_type = 'api_call') as api_calls,
        (
            percentile_cont(0.95) within group (order by events.duration_ms)
            filter (where events.event_type = 'api_call')
        )::numeric as api_latency_p95_ms
    from events
    {{ with_all_workspaces_row('events.workspace_id') }}
    group by events.event_date, scope.workspace_id

)

select * from final
