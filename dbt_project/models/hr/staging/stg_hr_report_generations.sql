{{
    config(
        materialized='incremental',
        unique_key='report_id',
        pre_hook="{{ claim_source_batches('hr_report_generations') }}",
        indexes=[
            {'columns': ['report_id'], 'unique': true},
            {'columns': ['requested_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        report_id,
        organization_id,
        report_type,
        employee_id,
        requested_by_user_id,
        requested_at,
        completed_at,
        processing_time_seconds,
        status,
        error_message,
        is_auto_generated,
        is_quarterly_update,
        report_size_kb,
        ai_tokens_used,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_report_generations') }}
    {{ rows_of_claimed_keys('hr_report_generations', 'report_id') }}

),

newest_version as (

    {{ latest_per_key('source', ['report_id'], version_column='updated_at') }}

),

final as (

    select
        report_id,
        organization_id,
        report_type,
        employee_id,
        requested_by_user_id,
        requested_at,
        completed_at,
        processing_time_seconds,
        status,
        error_message,
        is_auto_generated,
        is_quarterly_update,
        report_size_kb,
        ai_tokens_used,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
