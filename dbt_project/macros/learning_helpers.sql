{#-
    The recompute window of the daily learning models. Same vars and as-of
    date as the activity models (analytics_window.sql: min_date, max_date,
    lookback_days; as-of date = max_date, else the last day with any
    user_activity event or agent run), but the days come from the learning
    facts: int_user_learning_days and int_deleted_user_learning_days.
-#}


{#-
    A select of one column `day` (date): the days whose rows this run
    (re)builds, all on or before the as-of date and none before the first
    learning day.

    Unbounded: every day from the first learning day to the as-of date.
    Bounded: the window; with `deleted_user_days`, also the days a user
    deleted within the window learned on (for tables that aggregate over
    users; per-user tables drop a deleted user's rows by user_id instead).
-#}
{% macro learning_recompute_days(deleted_user_days=false) -%}
    {%- set learning_days = ref('int_user_learning_days') -%}
    {%- set deleted_days = ref('int_deleted_user_learning_days') -%}
    {%- set w = analytics_window() -%}
    {%- if not w.bounded -%}
        select generate_series(min(activity_date)::timestamp, {{ as_of_date() }}::timestamp, interval '1 day')::date as day
        from {{ learning_days }}
    {%- else -%}
        {%- set start = "'" ~ w.start.isoformat() ~ "'::date" -%}
        {%- set end = "'" ~ w.end.isoformat() ~ "'::date" -%}
        select candidate.day
        from (
            select generate_series({{ start }}::timestamp, {{ end }}::timestamp, interval '1 day')::date as day
            {%- if deleted_user_days %}
            union
            select deleted_day.activity_date
            from {{ deleted_days }} as deleted_day
            where deleted_day.deleted_date between {{ start }} and {{ end }}
                and deleted_day.activity_date <= {{ end }}
            {%- endif %}
        ) as candidate
        where candidate.day >= (select min(activity_date) from {{ learning_days }})
    {%- endif -%}
{%- endmacro %}


{#-
    pre_hook of the daily learning models: delete the rows this run
    rebuilds, keyed by the date column `key_column` (a day or an as-of
    date); with `period_end_column`, the key is a period [key_column,
    period_end_column], rebuilt when it contains a rebuilt day.
    `per_user` tables (with a user_id column) also lose every row of a
    deleted user, whatever its date; the others rebuild the deleted users'
    days instead (learning_recompute_days(deleted_user_days=true)).
    A model using per_user needs `-- depends_on: {{ ref('stg_users') }}`.
-#}
{% macro delete_learning_recomputed(key_column, period_end_column=none, per_user=true) -%}
    {%- if not is_incremental() -%}
        select 1
    {%- elif not analytics_window().bounded -%}
        delete from {{ this }}
    {%- else -%}
        {%- set days = learning_recompute_days(deleted_user_days=not per_user) -%}
        delete from {{ this }} as target
        where
        {%- if period_end_column is none %}
            target.{{ key_column }} in ({{ days }})
        {%- else %}
            exists (
                select 1
                from ({{ days }}) as rebuilt
                where rebuilt.day between target.{{ key_column }} and target.{{ period_end_column }}
            )
        {%- endif %}
        {%- if per_user %}
            or target.user_id in (select user_id from {{ ref('stg_users') }} where is_deleted)
        {%- endif %}
    {%- endif -%}
{%- endmacro %}


{#- Percent change (value - previous) / previous * 100; null when previous is 0 or null. -#}
{% macro change_pct(value, previous) -%}
    trim_scale((({{ value }}) - ({{ previous }}))::numeric * 100 / nullif({{ previous }}, 0))
{%- endmacro %}
