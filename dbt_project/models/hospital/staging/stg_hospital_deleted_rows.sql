{#- Hard deletes of the operational tables: the newest version of each
    deletion (one row per id). -#}

with

source as (

    select
        id,
        table_name,
        row_id,
        deleted_at,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_deleted_rows') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

final as (

    select
        id,
        table_name,
        row_id,
        deleted_at,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
