{{
    config(
        materialized='incremental',
        unique_key='attempt_id',
        pre_hook="{{ claim_source_batches('question_attempts') }}",
        indexes=[
            {'columns': ['attempt_id'], 'unique': true},
            {'columns': ['answered_at']},
            {'columns': ['user_id', 'answered_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        attempt_id,
        user_id,
        workspace_id,
        session_id,
        question_id,
        topic_id,
        selected_answer,
        correct_answer,
        is_correct,
        time_to_answer_seconds,
        confidence_level,
        hint_used,
        answered_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'question_attempts') }}
    {{ rows_of_claimed_keys('question_attempts', 'attempt_id') }}

),

deduplicated as (

    {{ latest_per_key('source', ['attempt_id']) }}

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        attempt_id,
        user_id,
        workspace_id,
        session_id,
        question_id,
        topic_id,
        selected_answer,
        correct_answer,
        is_correct,
        time_to_answer_seconds,
        confidence_level,
        coalesce(hint_used, false) as hint_used,
        answered_at,
        _ingested_at,
        _batch_id
    from deduplicated

)

select * from final
