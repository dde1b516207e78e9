{{ config(materialized='ephemeral') }}

with

runs as (

    select
        run_id,
        agent_id,
        workspace_id,
        user_id,
        status,
        started_at,
        runtime_seconds,
        credits_consumed,
        model,
        tokens_used,
        error_type,
        user_rating,
        _batch_id
    from {{ ref('stg_agent_runs') }}

),

deleted_users as (

    select user_id
    from {{ ref('stg_users') }}
    where is_deleted

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        runs.run_id,
        runs.agent_id,
        runs.workspace_id,
        runs.user_id,
        runs.status,
        runs.started_at,
        runs.runtime_seconds,
        coalesce(runs.credits_consumed, 0) as credits_consumed,
        coalesce(runs.model, 'unknown') as model,
        coalesce(runs.tokens_used, 0) as tokens_used,
        runs.error_type,
        runs.user_rating,
        (runs.started_at at time zone 'UTC')::date as run_date,
        date_trunc('hour', runs.started_at, 'UTC') as run_hour,
        runs.status = 'completed' as is_successful,
        runs.status = 'failed' as is_failed,
        runs.status = 'cancelled' as is_cancelled,
        runs.status = 'running' as is_running,
        runs.status <> 'running' as is_finished,
        case when runs.status <> 'running' then runs.runtime_seconds end
            as finished_runtime_seconds,
        runs._batch_id
    from runs
    where
        not exists (
            select 1
            from deleted_users
            where deleted_users.user_id = runs.user_id
        )

)

select * from final
