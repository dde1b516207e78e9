{{ config(materialized='view') }}

with

attempts as (

    select
        attempt_id,
        user_id,
        workspace_id,
        session_id,
        question_id,
        topic_id,
        is_correct,
        time_to_answer_seconds,
        hint_used,
        answered_at
    from {{ ref('stg_question_attempts') }}

),

deleted_users as (

    select user_id
    from {{ ref('stg_users') }}
    where is_deleted

),

final as (

    select
        attempts.attempt_id,
        attempts.user_id,
        attempts.workspace_id,
        attempts.session_id,
        attempts.question_id,
        attempts.topic_id,
        attempts.is_correct,
        attempts.time_to_answer_seconds,
        attempts.hint_used,
        attempts.answered_at,
        (attempts.answered_at at time zone 'UTC')::date as attempt_date
    from attempts
    where
        not exists (
            select 1
            from deleted_users
            where deleted_users.user_id = attempts.user_id
        )

)

select * from final
