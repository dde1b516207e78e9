{{
    config(
        materialized='incremental',
        unique_key='run_id',
        pre_hook="{{ claim_source_batches('agent_runs') }}",
        indexes=[
            {'columns': ['run_id'], 'unique': true},
            {'columns': ['started_at']},
            {'columns': ['user_id', 'started_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

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
    {{ rows_of_claimed_keys('agent_runs', 'run_id') }}

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
