{{ config(materialized='view') }}

{#-
    Errors per UTC day and workspace by error type, plus the all-workspaces
    row (workspace_id null) of each day: failed agent runs and error events
    of non-deleted users, a missing error_type counted as 'unknown'. A view:
    a daily model reading it filters on metric_date, and the filter reaches
    the runs and events before they are grouped.
-#}

with

errors as (

    select
        run_date as metric_date,
        workspace_id,
        coalesce(error_type, 'unknown') as error_type
    from {{ ref('int_agent_runs') }}
    where status = 'failed'

    union all

    select
        event_date,
        workspace_id,
        coalesce(error_type, 'unknown') as error_type
    from {{ ref('int_activity_events') }}
    where event_type = 'error'

),

errors_per_type as (

    select
        errors.metric_date,
        scope.workspace_id,
        errors.error_type,
        count(*) as errors
    from errors
    {{ with_all_workspaces_row('errors.workspace_id') }}
    group by errors.metric_date, scope.workspace_id, errors.error_type

),

final as (

    select
        metric_date,
        workspace_id,
        sum(errors)::bigint as errors,
        {{ jsonb_map('error_type', 'errors') }} as errors_by_type
    from errors_per_type
    group by metric_date, workspace_id

)

select * from final
