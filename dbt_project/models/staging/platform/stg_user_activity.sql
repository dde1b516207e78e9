{{
    config(
        materialized='incremental',
        unique_key='event_id',
        pre_hook="{{ claim_source_batches('user_activity') }}",
        indexes=[
            {'columns': ['event_id'], 'unique': true},
            {'columns': ['occurred_at']},
            {'columns': ['user_id', 'occurred_at']},
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
        workspace_id,
        session_id,
        event_type,
        event_name,
        page_path,
        ip_address,
        user_agent,
        referrer,
        metadata,
        occurred_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'user_activity') }}
    {{ rows_of_claimed_keys('user_activity', 'event_id') }}

),

deduplicated as (

    {{ latest_per_key('source', ['event_id']) }}

),

final as (

    select
        event_id,
        user_id,
        workspace_id,
        session_id,
        event_type,
        event_name,
        page_path,
        {{ anonymize_ip('ip_address') }} as ip_address,
        user_agent,
        referrer,
        coalesce(metadata, '{}'::jsonb) as metadata,
        {{ json_value('metadata', 'feature', 'string') }} as feature,
        {{ json_value('metadata', 'duration_ms', 'number') }} as duration_ms,
        {{ json_value('metadata', 'success', 'boolean') }} as success,
        {{ json_value('metadata', 'error_type', 'string') }} as error_type,
        {{ json_value('metadata', 'report_id', 'string') }} as report_id,
        occurred_at,
        _ingested_at,
        _batch_id
    from deduplicated

)

select * from final
