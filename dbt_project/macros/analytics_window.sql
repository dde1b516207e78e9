{#-
    The as-of date and the recompute window of the daily (incremental)
    analytics models. Nothing here reads the wall clock.

    Settings (all optional), each a dbt var or else an environment variable:
      min_date, max_date  'YYYY-MM-DD', the inclusive partition window
                          (ANALYTICS_WINDOW_MIN_DATE, ANALYTICS_WINDOW_MAX_DATE);
      lookback_days       days before min_date recomputed too, for late data
                          (ANALYTICS_LOOKBACK_DAYS; default: the project var
                          default_lookback_days).
    Dagster passes its partition window in the environment: dbt parses the
    whole project again whenever --vars change, while a value read at
    execution keeps the saved parse state valid (6 s less per run).

    as-of date  = max_date; without it the last UTC day that has any
                  user_activity event or agent run.
    window      = [min_date - lookback_days, as-of date] on incremental runs
                  with min_date or max_date set; otherwise the model rebuilds
                  everything up to the as-of date.
-#}


{#- A window setting as text ('' when unset): the var, else (when executing;
    never at parse time) its environment variable. -#}
{% macro _window_setting(name, variable) -%}
    {%- set value = var(name, none) -%}
    {%- if (value is none or value | string | trim == '') and execute -%}
        {%- set value = env_var(variable, '') -%}
    {%- endif -%}
    {{ return('' if value is none else value | string | trim) }}
{%- endmacro %}


{#- A 'YYYY-MM-DD' setting as a date (a clear error otherwise). -#}
{% macro _date_var(name) -%}
    {%- set text = _window_setting(name, 'ANALYTICS_WINDOW_' ~ name | upper) -%}
    {%- if text == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error(name ~ " must be YYYY-MM-DD, got " ~ text) }}
    {%- endif -%}
    {{ return(modules.datetime.date.fromisoformat(text)) }}
{%- endmacro %}


{#- Days before min_date a bounded run recomputes too. -#}
{% macro lookback_days() -%}
    {%- set text = _window_setting('lookback_days', 'ANALYTICS_LOOKBACK_DAYS') -%}
    {%- if text == '' -%}
        {{ return(var('default_lookback_days') | int) }}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]+$', text) -%}
        {{ exceptions.raise_compiler_error("lookback_days must be a whole number of days, got " ~ text) }}
    {%- endif -%}
    {{ return(text | int) }}
{%- endmacro %}


{#- The as-of date as a python date, or none (no data yet / parse time). -#}
{% macro as_of_date_value() -%}
    {%- set max_date = _date_var('max_date') -%}
    {%- if max_date is not none -%}
        {{ return(max_date) }}
    {%- endif -%}
    {#- The HR pack's models (folder models/hr) take the last day with any
        HR activity (int_hr_activity_days) instead. -#}
    {%- if model is defined and model is not none and (model.fqn | default([]))[1:2] == ['hr'] -%}
        {{ return(_hr_as_of_date_value()) }}
    {%- endif -%}
    {#- The QMS pack's (models/qms): the newest updated_at of its sources. -#}
    {%- if model is defined and model is not none and (model.fqn | default([]))[1:2] == ['qms'] -%}
        {{ return(_qms_as_of_date_value()) }}
    {%- endif -%}
    {#- Rendered before the `execute` test so that dbt records the refs as
        dependencies at parse time (parse and run see the same vars). -#}
    {%- set activity = ref('stg_user_activity') -%}
    {%- set runs = ref('stg_agent_runs') -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {#- Compiling before staging was ever built (e.g. `dbt docs generate` on a
        new warehouse): no data, so no as-of date. -#}
    {%- for relation in [activity, runs] -%}
        {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set query -%}
        select (greatest(
            (select max(occurred_at) from {{ activity }}),
            (select max(started_at) from {{ runs }})
        ) at time zone 'UTC')::date::text
    {%- endset -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {{ return(modules.datetime.date.fromisoformat(value) if value else none) }}
{%- endmacro %}


{#- The as-of date of an HR model without max_date: the last day of an HR
    event (int_hr_activity_days), none without any. -#}
{% macro _hr_as_of_date_value() -%}
    {%- set days = ref('int_hr_activity_days') -%}
    {%- if not execute or adapter.get_relation(days.database, days.schema, days.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select max(activity_date)::text from {{ days }} where source = 'event'
    {%- endset -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {{ return(modules.datetime.date.fromisoformat(value) if value else none) }}
{%- endmacro %}


{#- The as-of date as a SQL date literal (null::date without any data). -#}
{% macro as_of_date() -%}
    {{ date_literal(as_of_date_value()) }}
{%- endmacro %}


{#- A python date (or none) as a SQL date literal ('YYYY-MM-DD'::date, or
    null::date). -#}
{% macro date_literal(value) -%}
    {%- if value is none -%}
        null::date
    {%- else -%}
        '{{ value.isoformat() }}'::date
    {%- endif -%}
{%- endmacro %}


{#-
    {'bounded': bool, 'start': date, 'end': date}: bounded on incremental runs
    with a partition window; start = min_date - lookback_days (min_date
    defaults to max_date), end = the as-of date.
-#}
{% macro analytics_window() -%}
    {%- set end = as_of_date_value() -%}
    {%- set min_date = _date_var('min_date') -%}
    {%- set has_vars = min_date is not none or _date_var('max_date') is not none -%}
    {%- if not (is_incremental() and has_vars and end is not none) -%}
        {{ return({'bounded': false, 'start': none, 'end': end}) }}
    {%- endif -%}
    {%- set lookback = lookback_days() -%}
    {%- set first = min_date if min_date is not none else end -%}
    {%- set start = first - modules.datetime.timedelta(days=lookback) -%}
    {{ return({'bounded': true, 'start': start, 'end': end}) }}
{%- endmacro %}


{#-
    A select of one column `day` (date): the days whose rows this run
    (re)builds, all on or before the as-of date and none before the first
    day of `days_model` (a model with an activity_date column, or a list of
    them: the first day of any).

    Unbounded: every day from that first day to the as-of date.
    Bounded: the window, plus (with `deleted_days_model`, a model of
    activity_date and deleted_date) the days a user deleted within the
    window was active on, plus the dirty days this run claimed
    (macros/dirty_days.sql: days that data processed since the model's last
    run changed, however old), each of these followed by `reach_days` more
    days (rows whose data reach back that far, e.g. 29 for a 30-day window);
    reach_days=none reaches to the as-of date (rows depending on all history).
-#}
{#- `extra_days` (optional): a select of one date column, more days a
    bounded run rebuilds, where `__start__` and `__end__` stand for the
    window's first and last day (e.g. the days of the reports whose accesses
    fall in the window). -#}
{% macro recompute_days(
    reach_days=0,
    days_model='int_user_activity_days',
    deleted_days_model='int_deleted_user_activity_days',
    extra_days=none
) -%}
    {#- Referenced before any branch so that parsing records the dependencies. -#}
    {%- set day_models = [days_model] if days_model is string else days_model -%}
    {%- set first_day -%}
        (select min(activity_date) from (
            {%- for name in day_models %}
            select min(activity_date) as activity_date from {{ ref(name) }}
            {{- ' union all' if not loop.last }}
            {%- endfor %}
        ) as first_days)
    {%- endset -%}
    {%- set deleted_days = ref(deleted_days_model) if deleted_days_model is not none else none -%}
    {%- set w = analytics_window() -%}
    {%- if not w.bounded -%}
        select generate_series({{ first_day }}::timestamp, {{ as_of_date() }}::timestamp, interval '1 day')::date as day
    {%- else -%}
        {%- set start = "'" ~ w.start.isoformat() ~ "'::date" -%}
        {%- set end = "'" ~ w.end.isoformat() ~ "'::date" -%}
        select candidate.day
        from (
            select generate_series({{ start }}::timestamp, {{ end }}::timestamp, interval '1 day')::date as day
            {%- if deleted_days_model is not none %}
            union
            select reached.day::date
            from {{ deleted_days }} as deleted_day
            cross join lateral generate_series(
                deleted_day.activity_date::timestamp,
                {% if reach_days is none %}{{ end }}{% else %}least(deleted_day.activity_date + {{ reach_days | int }}, {{ end }}){% endif %}::timestamp,
                interval '1 day'
            ) as reached (day)
            where deleted_day.deleted_date between {{ start }} and {{ end }}
            {%- endif %}
            union
            {{ claimed_dirty_days(reach_days, end) }}
            {%- if extra_days is not none %}
            union
            select extra.day::date
            from ({{ extra_days | replace('__start__', start) | replace('__end__', end) }}) as extra (day)
            where extra.day <= {{ end }}
            {%- endif %}
        ) as candidate
        where candidate.day >= {{ first_day }}
    {%- endif -%}
{%- endmacro %}


{#-
    pre_hook of the daily models: delete the rows this run rebuilds, keyed
    by the date column `key_column` (a day or an as-of date). With
    `period_end_column`, the key is a period [key_column, period_end_column]
    and a period is rebuilt when it contains a rebuilt day. The days come
    from recompute_days(reach_days, days_model, deleted_days_model).
    `per_user` tables (with a user_id column) also lose every row of a
    deleted user, whatever its date (the model then needs
    `-- depends_on: {{ ref('stg_users') }}`). Before the delete, the run
    claims the dirty days it has not consumed up to its as-of date (all of
    them on a full build or a run without vars, which rebuild everything).
-#}
{#- The dirty-day claim of this run (dirty_days.sql), ahead of its delete. -#}
{% macro _claim_dirty_days_of_run() -%}
    {%- set w = analytics_window() -%}
    {{ claim_dirty_days(w.end, full=not is_incremental()) }};
{%- endmacro %}


{% macro delete_recomputed(
    key_column,
    reach_days=0,
    period_end_column=none,
    days_model='int_user_activity_days',
    deleted_days_model='int_deleted_user_activity_days',
    per_user=false,
    extra_days=none
) -%}
    {%- if this is none -%}
        select 1
    {%- elif not is_incremental() -%}
        {{ _claim_dirty_days_of_run() }}
        select 1
    {%- elif not analytics_window().bounded -%}
        {{ _claim_dirty_days_of_run() }}
        delete from {{ this }}
    {%- else -%}
        {%- set days = recompute_days(reach_days, days_model, deleted_days_model, extra_days) -%}
        {{ _claim_dirty_days_of_run() }}
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
