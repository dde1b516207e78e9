with

source as (

    select
        workspace_id,
        name,
        subscription_tier,
        subscription_status,
        created_at,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'workspaces') }}

),

newest_version as (

    {{ latest_per_key('source', ['workspace_id'], version_column='updated_at') }}

),

final as (

    select
        workspace_id,
        name,
        subscription_tier,
        subscription_status,
        created_at,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
