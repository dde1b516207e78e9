{#- The newest version of each key (a small dimension: rebuilt whole). -#}

with

source as (

    select
        organization_id,
        name,
        subscription_status,
        subscription_tier,
        monthly_price,
        trial_ends_at,
        current_period_end,
        created_at,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_organizations') }}

),

newest_version as (

    {{ latest_per_key('source', ['organization_id'], version_column='updated_at') }}

),

final as (

    select
        organization_id,
        name,
        subscription_status,
        subscription_tier,
        monthly_price,
        trial_ends_at,
        current_period_end,
        created_at,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
