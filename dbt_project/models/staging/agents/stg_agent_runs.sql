with

source as (

    select
        run_id,
        agent_id,
        workspace_id,
        user_id,
        status,
        started_at,
        ended_at,
        runtime_seconds,
        credits_consumed,
        model,
        tokens_used,
        error_type,
        user_rating,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'agent_runs') }}

),

newest_version as (

    {{ latest_per_key('source', ['run_id'], version_column='updated_at') }}

),

final as (

    select
        run_id,
        agent_id,
        workspace_id,
        user_id,
        status,
        started_at,
        ended_at,
        runtime_seconds,
        credits_consumed,
        model,
        tokens_used,
        error_type,
        user_rating,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
