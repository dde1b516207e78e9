with

source as (

    select
        material_id,
        topic_id,
        title,
        material_type,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'materials') }}

),

newest_version as (

    {{ latest_per_key('source', ['material_id'], version_column='updated_at') }}

),

final as (

    select
        material_id,
        topic_id,
        title,
        material_type,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
