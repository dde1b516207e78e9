{{
    config(
        materialized='incremental',
        unique_key='delivery_id',
        pre_hook="{{ claim_source_batches('hr_notification_deliveries') }}",
        indexes=[
            {'columns': ['delivery_id'], 'unique': true},
            {'columns': ['sent_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        delivery_id,
        notification_id,
        organization_id,
        user_id,
        notification_type,
        channel,
        status,
        sent_at,
        delivered_at,
        read_at,
        dismissed_at,
        clicked_at,
        failed_at,
        error_message,
        retry_count,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_notification_deliveries') }}
    {{ rows_of_claimed_keys('hr_notification_deliveries', 'delivery_id') }}

),

newest_version as (

    {{ latest_per_key('source', ['delivery_id'], version_column='updated_at') }}

),

final as (

    select
        delivery_id,
        notification_id,
        organization_id,
        user_id,
        notification_type,
        channel,
        status,
        sent_at,
        delivered_at,
        read_at,
        dismissed_at,
        clicked_at,
        failed_at,
        error_message,
        retry_count,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
