with

source as (

    select
        user_id,
        workspace_id,
        role,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'users') }}

),

newest_version as (

    {{ latest_per_key('source', ['user_id'], version_column='updated_at') }}

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        user_id,
        workspace_id,
        role,
        created_at,
        updated_at,
        deleted_at,
        deleted_at is not null as is_deleted,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
