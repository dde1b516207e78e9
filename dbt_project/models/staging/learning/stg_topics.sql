with

source as (

    select
        topic_id,
        parent_topic_id,
        name,
        level,
        board_exam_weight,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'topics') }}

),

newest_version as (

    {{ latest_per_key('source', ['topic_id'], version_column='updated_at') }}

),

final as (

    select
        topic_id,
        parent_topic_id,
        name,
        level,
        board_exam_weight,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
