{#-
    The days deleted users were active on, while their raw rows are still
    there: the daily models recompute these days (and the as-of dates and
    periods that cover them) when the deletion day falls in their window, so
    that a deletion removes the user from past periods too.
-#}

{{ deleted_user_days([('stg_user_activity', 'occurred_at'), ('stg_agent_runs', 'started_at')]) }}
