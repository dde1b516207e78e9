{{
    config(
        materialized='incremental',
        unique_key='session_id',
        pre_hook="{{ claim_source_batches('hr_chat_sessions') }}",
        indexes=[
            {'columns': ['session_id'], 'unique': true},
            {'columns': ['started_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        session_id,
        organization_id,
        user_id,
        user_role,
        query_type,
        department_id,
        started_at,
        ended_at,
        satisfaction_rating,
        was_helpful,
        feedback_submitted_at,
        messages,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_chat_sessions') }}
    {{ rows_of_claimed_keys('hr_chat_sessions', 'session_id') }}

),

newest_version as (

    {{ latest_per_key('source', ['session_id'], version_column='updated_at') }}

),

final as (

    select
        session_id,
        organization_id,
        user_id,
        user_role,
        query_type,
        department_id,
        started_at,
        ended_at,
        satisfaction_rating,
        was_helpful,
        feedback_submitted_at,
        messages,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
