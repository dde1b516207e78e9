{{ config(post_hook="{{ record_deleted_user_dirty_days() }}") }}

{#-
    The days deleted users were active on, while their raw rows are still
    there: the daily models recompute these days (and the as-of dates and
    periods that cover them) when the deletion day falls in their window, so
    that a deletion removes the user from past periods too.
    Each (deleted user, day) is recorded once as dirty for the daily models
    (post_hook, macros/dirty_days.sql), whenever the deletion arrives.
-#}

{{ deleted_user_days([('stg_user_activity', 'occurred_at'), ('stg_agent_runs', 'started_at')]) }}
