{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ delete_recomputed('metric_date') }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

with

days as (

    {{ recompute_days() }}

),

runs as (

    select
        run_date,
        workspace_id,
        agent_id,
        user_id,
        status,
        finished_runtime_seconds,
        credits_consumed,
        tokens_used,
        error_type,
        user_rating
    from {{ ref('int_agent_runs') }}
    where run_date in (select day from days)

),

agents as (

    select
        agent_id,
        name
    from {{ ref('stg_agents') }}

),

run_stats as (

    select
        run_date as metric_date,
        workspace_id,
        agent_id,
        count(*) as total_runs,
        count(*) filter (where status = 'completed') as successful_runs,
        count(*) filter (where status = 'failed') as failed_runs,
        count(*) filter (where status = 'cancelled') as cancelled_runs,
        count(*) filter (where status = 'running') as running_runs,
        trim_scale(avg(finished_runtime_seconds)) as avg_runtime_seconds,
        min(finished_runtime_seconds) as min_runtime_seconds,
        max(finished_runtime_seconds) as max_runtime_seconds,
        percentile_cont(array[0.5, 0.75, 0.95, 0.99]) within group (
            order by finished_runtime_seconds
        ) as runtime_percentiles,
        sum(credits_consumed) as credits_consumed,
        sum(tokens_used)::bigint as tokens_used,
        count(distinct user_id) as unique_users,
        trim_scale(avg(user_rating)) as avg_user_rating
    from runs
    group by run_date, workspace_id, agent_id

),

errors_per_type as (

    select
        run_date as metric_date,
        workspace_id,
        agent_id,
        coalesce(error_type, 'unknown') as error_type,
        count(*) as errors
    from runs
    where status = 'failed'
    group by run_date, workspace_id, agent_id, coalesce(error_type, 'unknown')

),

errors_by_type as (

    select
        metric_date,
        workspace_id,
        agent_id,
        {{ jsonb_map('error_type', 'errors') }} as errors_by_type
    from errors_per_type
    group by metric_date, workspace_id, agent_id

),

final as (

    select
        run_stats.metric_date,
        run_stats.workspace_id,
        run_stats.agent_id,
        agents.name as agent_name,
        run_stats.total_runs,
        run_stats.successful_runs,
        run_stats.failed_runs,
        run_stats.cancelled_runs,
        run_stats.running_runs,
        {{ safe_ratio(
            'run_stats.successful_runs',
            'run_stats.successful_runs + run_stats.failed_runs + run_stats.cancelled_runs'
        ) }} as success_rate,
        run_stats.avg_runtime_seconds,
        run_stats.min_runtime_seconds,
        run_stats.max_runtime_seconds,
        run_stats.runtime_percentiles[1]::numeric as p50_runtime_seconds,
        run_stats.runtime_percentiles[2]::numeric as p75_runtime_seconds,
        run_stats.runtime_percentiles[3]::numeric as p95_runtime_seconds,
        run_stats.runtime_percentiles[4]::numeric as p99_runtime_seconds,
        run_stats.credits_consumed,
        run_stats.tokens_used,
        run_stats.unique_users,
        run_stats.avg_user_rating,
        coalesce(errors_by_type.errors_by_type, '{}'::jsonb) as errors_by_type
    from run_stats
    left join agents
        on run_stats.agent_id = agents.agent_id
    left join errors_by_type
        on run_stats.metric_date = errors_by_type.metric_date
        and run_stats.workspace_id = errors_by_type.workspace_id
        and run_stats.agent_id = errors_by_type.agent_id

)

select * from final
