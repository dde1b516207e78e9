{{
    config(
        materialized='incremental',
        unique_key='interaction_id',
        pre_hook="{{ claim_source_batches('material_interactions') }}",
        indexes=[
            {'columns': ['interaction_id'], 'unique': true},
            {'columns': ['occurred_at']},
            {'columns': ['user_id', 'occurred_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        interaction_id,
        user_id,
        workspace_id,
        session_id,
        material_id,
        topic_id,
        interaction_type,
        duration_seconds,
        progress_pct,
        occurred_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'material_interactions') }}
    {{ rows_of_claimed_keys('material_interactions', 'interaction_id') }}

),

deduplicated as (

    {{ latest_per_key('source', ['interaction_id']) }}

),

final as (

    select
        interaction_id,
        user_id,
        workspace_id,
        session_id,
        material_id,
        topic_id,
        interaction_type,
        duration_seconds,
        progress_pct,
        occurred_at,
        _ingested_at,
        _batch_id
    from deduplicated

)

select * from final
