{#-
    The recompute window of the daily learning models. Same vars and as-of
    date as the activity models (analytics_window.sql: min_date, max_date,
    lookback_days; as-of date = max_date, else the last day with any
    user_activity event or agent run), but the days come from the learning
    facts: int_user_learning_days and int_deleted_user_learning_days.
-#}


{#-
    recompute_days over the learning days. With `deleted_user_days`, also
    the days a user deleted within the window learned on (for tables that
    aggregate over users; per-user tables drop a deleted user's rows by
    user_id instead). `reach_days` as in recompute_days: how far after a
    rebuilt (deleted or dirty) day the model's rows read it (7 for a week
    compared with the previous one, none for as-of dates over all history).
-#}
{% macro learning_recompute_days(deleted_user_days=false, reach_days=0) -%}
    {{ return(recompute_days(
        reach_days,
        'int_user_learning_days',
        'int_deleted_user_learning_days' if deleted_user_days else none
    )) }}
{%- endmacro %}


{#-
    pre_hook of the daily learning models: delete_recomputed over the
    learning days. `per_user` tables (with a user_id column) lose every row
    of a deleted user, whatever its date; the others rebuild the deleted
    users' days instead. A model using per_user needs
    `-- depends_on: {{ ref('stg_users') }}`.
-#}
{% macro delete_learning_recomputed(key_column, period_end_column=none, per_user=true, reach_days=0) -%}
    {{ return(delete_recomputed(
        key_column,
        reach_days,
        period_end_column,
        'int_user_learning_days',
        none if per_user else 'int_deleted_user_learning_days',
        per_user
    )) }}
{%- endmacro %}


{#- Percent change (value - previous) / previous * 100; null when previous is 0 or null. -#}
{% macro change_pct(value, previous) -%}
    trim_scale((({{ value }}) - ({{ previous }}))::numeric * 100 / nullif({{ previous }}, 0))
{%- endmacro %}
