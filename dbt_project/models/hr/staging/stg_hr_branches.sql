{#- The newest version of each key (a small dimension: rebuilt whole). -#}

with

source as (

    select
        branch_id,
        organization_id,
        name,
        city,
        country,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_branches') }}

),

newest_version as (

    {{ latest_per_key('source', ['branch_id'], version_column='updated_at') }}

),

final as (

    select
        branch_id,
        organization_id,
        name,
        city,
        country,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
