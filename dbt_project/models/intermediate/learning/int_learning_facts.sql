{{ config(materialized='ephemeral') }}

{#-
    Ephemeral: one stream of the learning facts of non-deleted users, each
    on its UTC day: study sessions (on their start day), question attempts,
    material interactions and first completions of materials. The learning
    aggregates group this one stream, so every table counts the same facts.
-#}

with

sessions as (

    select
        session_day,
        workspace_id,
        user_id,
        study_minutes
    from {{ ref('int_study_sessions') }}

),

attempts as (

    select
        attempt_date,
        workspace_id,
        user_id,
        topic_id,
        question_id,
        is_correct,
        time_to_answer_seconds
    from {{ ref('int_learning_attempts') }}

),

interactions as (

    select
        interaction_date,
        workspace_id,
        user_id,
        topic_id,
        material_id
    from {{ ref('int_learning_interactions') }}

),

completions as (

    select
        completed_date,
        workspace_id,
        user_id,
        topic_id,
        material_id
    from {{ ref('int_material_completions') }}

),

final as (

    select
        'session' as fact,
        session_day as activity_date,
        workspace_id,
        user_id,
        null::text as topic_id,
        null::text as material_id,
        null::text as question_id,
        null::boolean as is_correct,
        null::numeric as time_to_answer_seconds,
        study_minutes
    from sessions

    union all

    select
        'attempt' as fact,
        attempt_date,
        workspace_id,
        user_id,
        topic_id,
        null as material_id,
        question_id,
        is_correct,
        time_to_answer_seconds,
        null as study_minutes
    from attempts

    union all

    select
        'interaction' as fact,
        interaction_date,
        workspace_id,
        user_id,
        topic_id,
        material_id,
        null as question_id,
        null as is_correct,
        null as time_to_answer_seconds,
        null as study_minutes
    from interactions

    union all

    select
        'completion' as fact,
        completed_date,
        workspace_id,
        user_id,
        topic_id,
        material_id,
        null as question_id,
        null as is_correct,
        null as time_to_answer_seconds,
        null as study_minutes
    from completions

)

select * from final
