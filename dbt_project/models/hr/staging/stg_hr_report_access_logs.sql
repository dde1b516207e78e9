{{
    config(
        materialized='incremental',
        unique_key='access_id',
        pre_hook="{{ claim_source_batches('hr_report_access_logs') }}",
        indexes=[
            {'columns': ['access_id'], 'unique': true},
            {'columns': ['accessed_at']},
            {'columns': ['report_id']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        access_id,
        report_id,
        report_type,
        employee_id,
        organization_id,
        department_id,
        user_id,
        user_role,
        access_type,
        access_method,
        access_duration_seconds,
        page_views,
        device_type,
        country,
        city,
        ip_address,
        accessed_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_report_access_logs') }}
    {{ rows_of_claimed_keys('hr_report_access_logs', 'access_id') }}

),

newest_version as (

    {{ latest_per_key('source', ['access_id']) }}

),

final as (

    select
        access_id,
        report_id,
        report_type,
        employee_id,
        organization_id,
        department_id,
        user_id,
        user_role,
        access_type,
        access_method,
        access_duration_seconds,
        page_views,
        device_type,
        country,
        city,
        {{ anonymize_ip('ip_address') }} as ip_address,
        accessed_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
