{{
    config(
        meta={'partition_column': 'as_of_date'},
        pre_hook="{{ delete_recomputed('as_of_date', reach_days=29) }}",
        indexes=[{'columns': ['as_of_date']}],
    )
}}

with

as_of_dates as (

    {{ recompute_days(reach_days=29) }}

),

runs as (

    select
        run_date,
        workspace_id,
        agent_id,
        user_id,
        status,
        finished_runtime_seconds,
        credits_consumed
    from {{ ref('int_agent_runs') }}
    where run_date
        between (select min(day) - 29 from as_of_dates) and (select max(day) from as_of_dates)

),

agents as (

    select
        agent_id,
        name
    from {{ ref('stg_agents') }}

),

-- Additive figures per day, agent and user, so that each 30-day window
-- sums a few rows per agent instead of re-reading every run.
runs_per_day as (

    select
        run_date,
        workspace_id,
        agent_id,
        user_id,
        count(*) as total_runs,
        count(*) filter (where status = 'completed') as successful_runs,
        count(*) filter (where status in ('completed', 'failed', 'cancelled')) as finished_runs,
        sum(credits_consumed) as credits_consumed,
        sum(finished_runtime_seconds) as runtime_seconds_sum,
        count(finished_runtime_seconds) as runtime_seconds_count
    from runs
    group by run_date, workspace_id, agent_id, user_id

),

windows as (

    select
        as_of_dates.day as as_of_date,
        runs_per_day.workspace_id,
        runs_per_day.agent_id,
        sum(runs_per_day.total_runs) as total_runs,
        sum(runs_per_day.successful_runs) as successful_runs,
        sum(runs_per_day.finished_runs) as finished_runs,
        sum(runs_per_day.credits_consumed) as credits_consumed,
        sum(runs_per_day.runtime_seconds_sum) as runtime_seconds_sum,
        sum(runs_per_day.runtime_seconds_count) as runtime_seconds_count,
        count(distinct runs_per_day.user_id) as unique_users
    from as_of_dates
    inner join runs_per_day
        on runs_per_day.run_date between as_of_dates.day - 29 and as_of_dates.day
    group by as_of_dates.day, runs_per_day.workspace_id, runs_per_day.agent_id

),

ranked as (

    select
        as_of_date,
        workspace_id,
        agent_id,
        total_runs,
        successful_runs,
        finished_runs,
        credits_consumed,
        runtime_seconds_sum,
        runtime_seconds_count,
        unique_users,
        row_number() over (
            partition by as_of_date, workspace_id
            order by total_runs desc, agent_id asc
        ) as rank
    from windows

),

final as (

    select
        ranked.as_of_date,
        ranked.workspace_id,
        ranked.rank::integer as rank,
        ranked.agent_id,
        agents.name as agent_name,
        ranked.total_runs::bigint as total_runs,
        ranked.successful_runs::bigint as successful_runs,
        {{ safe_ratio('ranked.successful_runs', 'ranked.finished_runs') }} as success_rate,
        ranked.credits_consumed,
        {{ safe_ratio(
            'ranked.runtime_seconds_sum', 'ranked.runtime_seconds_count'
        ) }} as avg_runtime_seconds,
        ranked.unique_users
    from ranked
    left join agents
        on ranked.agent_id = agents.agent_id
    where ranked.rank <= 10

)

select * from final
