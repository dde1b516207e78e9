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

),

deduplicated as (

    {{ latest_per_key('source', ['attempt_id']) }}

),

final as (

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
        coalesce(hint_used, false) as hint_used,
        answered_at,
        _ingested_at,
        _batch_id
    from deduplicated

)

select * from final
