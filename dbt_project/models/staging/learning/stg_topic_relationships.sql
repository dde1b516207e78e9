with

source as (

    select
        topic_id,
        related_topic_id,
        relationship_type,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'topic_relationships') }}

),

deduplicated as (

    {{ latest_per_key('source', ['topic_id', 'related_topic_id', 'relationship_type']) }}

),

final as (

    select
        topic_id,
        related_topic_id,
        relationship_type,
        _ingested_at,
        _batch_id
    from deduplicated

)

select * from final
