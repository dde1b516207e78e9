{{
    config(
        materialized='incremental',
        unique_key='interaction_id',
        pre_hook="{{ claim_source_batches('hr_dashboard_interactions') }}",
        indexes=[
            {'columns': ['interaction_id'], 'unique': true},
            {'columns': ['occurred_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        interaction_id,
        user_id,
        organization_id,
        session_id,
        dashboard_type,
        interaction_type,
        widget_id,
        widget_type,
        duration_ms,
        data_loaded,
        error_occurred,
        load_time_ms,
        render_time_ms,
        data_fetch_time_ms,
        total_time_ms,
        occurred_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_dashboard_interactions') }}
    {{ rows_of_claimed_keys('hr_dashboard_interactions', 'interaction_id') }}

),

newest_version as (

    {{ latest_per_key('source', ['interaction_id']) }}

),

final as (

    select
        interaction_id,
        user_id,
        organization_id,
        session_id,
        dashboard_type,
        interaction_type,
        widget_id,
        widget_type,
        duration_ms,
        data_loaded,
        error_occurred,
        load_time_ms,
        render_time_ms,
        data_fetch_time_ms,
        total_time_ms,
        occurred_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
