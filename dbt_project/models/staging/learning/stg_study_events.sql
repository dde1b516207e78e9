with

source as (

    select
        event_id,
        user_id,
        workspace_id,
        session_id,
        event_type,
        properties,
        occurred_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'study_events') }}

),

deduplicated as (

    {{ latest_per_key('source', ['event_id']) }}

),

final as (

    select
        event_id,
        user_id,
        workspace_id,
        session_id,
        event_type,
        coalesce(properties, '{}'::jsonb) as properties,
        occurred_at,
        _ingested_at,
        _batch_id
    from deduplicated

)

select * from final
