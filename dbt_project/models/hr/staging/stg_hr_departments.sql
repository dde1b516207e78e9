{#- The newest version of each key (a small dimension: rebuilt whole). -#}

with

source as (

    select
        department_id,
        organization_id,
        name,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_departments') }}

),

newest_version as (

    {{ latest_per_key('source', ['department_id'], version_column='updated_at') }}

),

final as (

    select
        department_id,
        organization_id,
        name,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
