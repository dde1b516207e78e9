{{
    config(
        materialized='incremental',
        unique_key='event_id',
        pre_hook="{{ claim_source_batches('study_events') }}",
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
        properties,
        occurred_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'study_events') }}
    {{ rows_of_claimed_keys('study_events', 'event_id') }}

),

deduplicated as (

    {{ latest_per_key('source', ['event_id']) }}

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        event_id,
        user_id,
        workspace_id,
        session_id,
        event_type,
        coalesce(properties, '{}'::jsonb) as properties,
        occurred_at,
        _ingested_at,
        _batch_id
    from deduplicated

)

select * from final
