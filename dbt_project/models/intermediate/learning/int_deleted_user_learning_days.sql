{#-
    The days deleted users learned on (a study event, question attempt or
    material interaction), while their rows are still in staging, with the
    UTC day of the deletion: runs whose window contains deleted_date rebuild
    those days of the tables that aggregate over users (topic_daily_stats).
-#}

{{ deleted_user_days([
    ('stg_study_events', 'occurred_at'),
    ('stg_question_attempts', 'answered_at'),
    ('stg_material_interactions', 'occurred_at')
]) }}
