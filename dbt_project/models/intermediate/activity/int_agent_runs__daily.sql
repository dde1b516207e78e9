{{ config(materialized='view') }}

{#-
    Agent runs of non-deleted users per UTC day (of started_at) and
    workspace, plus the all-workspaces row (workspace_id null) of each day:
    counts by status, the success rate, runtime statistics over finished runs, credits and
    distinct agents (credits per model: int_agent_credits__daily). A view: a
    daily model reading it filters on metric_date, and the filter reaches
    the runs before they are grouped.
-#}

with

runs as (

    select
        run_date,
        workspace_id,
        agent_id,
        status,
        finished_runtime_seconds,
        credits_consumed
    from {{ ref('int_agent_runs') }}

),

run_stats as (

    select
        runs.run_date as metric_date,
        scope.workspace_id,
        count(*) as total_runs,
        count(*) filter (where runs.status = 'completed') as successful_runs,
        count(*) filter (where runs.status = 'failed') as failed_runs,
        count(*) filter (where runs.status = 'cancelled') as cancelled_runs,
        count(*) filter (where runs.status = 'running') as running_runs,
        trim_scale(avg(runs.finished_runtime_seconds)) as avg_runtime_seconds,
        percentile_cont(array[0.5, 0.95, 0.99]) within group (
            order by runs.finished_runtime_seconds
        ) as runtime_percentiles,
        sum(runs.credits_consumed) as credits_consumed,
        count(distinct runs.agent_id) as unique_agents
    from runs
    {{ with_all_workspaces_row('runs.workspace_id') }}
    group by runs.run_date, scope.workspace_id

),

final as (

    select
        metric_date,
        workspace_id,
        total_runs,
        successful_runs,
        failed_runs,
        cancelled_runs,
        running_runs,
        {{ safe_ratio(
            'successful_runs', 'successful_runs + failed_runs + cancelled_runs'
        ) }} as success_rate,
        avg_runtime_seconds,
        runtime_percentiles[1]::numeric as p50_runtime_seconds,
        runtime_percentiles[2]::numeric as p95_runtime_seconds,
        runtime_percentiles[3]::numeric as p99_runtime_seconds,
        credits_consumed,
        unique_agents
    from run_stats

)

select * from final
