{#- Every version of every organization (the subscription history): one row
    per (organization_id, updated_at), ties kept by the later ingest. A
    version is in effect from its updated_at (valid_from, inclusive) to the
    next version's (valid_to, exclusive; null for the newest), so the
    subscription in effect at the end of day d is the version with
    valid_from < d + 1 and (valid_to is null or valid_to >= d + 1). -#}

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
        _source_line
    from {{ source('raw', 'hr_organizations') }}

),

versions as (

    {{ latest_per_key('source', ['organization_id', 'updated_at']) }}

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
        updated_at as valid_from,
        lead(updated_at) over (partition by organization_id order by updated_at) as valid_to,
        subscription_status = 'ACTIVE' as is_paying
    from versions

)

select * from final
