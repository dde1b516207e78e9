{#- The newest version of each department, its deletion marked. -#}

with

source as (

    select
        id,
        code,
        name,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_departments') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

final as (

    select
        department.id,
        department.code,
        department.name,
        department.created_at,
        department.updated_at,
        department.deleted_at,
        {{ hospital_row_deleted('departments', 'department') }} as is_deleted,
        department._ingested_at,
        department._batch_id
    from newest_version as department

)

select * from final
