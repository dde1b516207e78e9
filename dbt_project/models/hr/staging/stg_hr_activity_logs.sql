{{
    config(
        materialized='incremental',
        unique_key='event_id',
        pre_hook="{{ claim_source_batches('hr_activity_logs') }}",
        indexes=[
            {'columns': ['event_id'], 'unique': true},
            {'columns': ['occurred_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        event_id,
        user_id,
        organization_id,
        session_id,
        event_type,
        event_category,
        feature,
        page,
        duration_ms,
        success,
        error_message,
        user_role,
        department_id,
        device_type,
        os,
        browser,
        country,
        city,
        ip_address,
        occurred_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_activity_logs') }}
    {{ rows_of_claimed_keys('hr_activity_logs', 'event_id') }}

),

newest_version as (

    {{ latest_per_key('source', ['event_id']) }}

),

final as (

    select
        event_id,
        user_id,
        organization_id,
        session_id,
        event_type,
        event_category,
        feature,
        page,
        duration_ms,
        success,
        error_message,
        user_role,
        department_id,
        device_type,
        os,
        browser,
        country,
        city,
        {{ anonymize_ip('ip_address') }} as ip_address,
        occurred_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
