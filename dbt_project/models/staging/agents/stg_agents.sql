with

source as (

    select
        agent_id,
        workspace_id,
        name,
        created_at,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'agents') }}

),

newest_version as (

    {{ latest_per_key('source', ['agent_id'], version_column='updated_at') }}

),

final as (

    select
        agent_id,
        workspace_id,
        name,
        created_at,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
