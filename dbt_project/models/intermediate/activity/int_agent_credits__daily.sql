{{ config(materialized='view') }}

{#-
    Credits consumed by agent runs of non-deleted users per UTC day (of
    started_at), workspace and model, as one jsonb map per day and workspace,
    plus the all-workspaces row (workspace_id null) of each day. Runs of any
    status count; a run without model is "unknown" (int_agent_runs). A view:
    a daily model reading it filters on metric_date, and the filter reaches
    the runs before they are grouped.
-#}

with

runs as (

    select
        run_date,
        workspace_id,
        model,
        credits_consumed
    from {{ ref('int_agent_runs') }}

),

credits_per_model as (

    select
        runs.run_date as metric_date,
        scope.workspace_id,
        runs.model,
        sum(runs.credits_consumed) as credits_consumed
    from runs
    {{ with_all_workspaces_row('runs.workspace_id') }}
    group by runs.run_date, scope.workspace_id, runs.model

),

final as (

    select
        metric_date,
        workspace_id,
        {{ jsonb_map('model', 'credits_consumed') }} as credits_by_model
    from credits_per_model
    group by metric_date, workspace_id

)

select * from final
