{{ config(post_hook="{{ record_deleted_user_dirty_days() }}") }}

{#-
    The days deleted users learned on (a study event, question attempt or
    material interaction), while their rows are still in staging, with the
    UTC day of the deletion: runs whose window contains deleted_date rebuild
    those days of the tables that aggregate over users (topic_daily_stats).
    Each (deleted user, day) is recorded once as dirty for the daily models
    (post_hook, macros/dirty_days.sql), whenever the deletion arrives.
-#}

{{ deleted_user_days([
    ('stg_study_events', 'occurred_at'),
    ('stg_question_attempts', 'answered_at'),
    ('stg_material_interactions', 'occurred_at')
]) }}
