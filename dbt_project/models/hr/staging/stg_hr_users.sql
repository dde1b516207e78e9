{#- The newest version of each key (a small dimension: rebuilt whole). -#}

with

source as (

    select
        user_id,
        organization_id,
        role,
        department_id,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_users') }}

),

newest_version as (

    {{ latest_per_key('source', ['user_id'], version_column='updated_at') }}

),

final as (

    select  -- noqa: ST06
        user_id,
        organization_id,
        role,
        department_id,
        created_at,
        updated_at,
        deleted_at,
        deleted_at is not null as is_deleted,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
