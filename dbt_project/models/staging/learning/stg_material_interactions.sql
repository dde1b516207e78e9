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
