{#-
    The periodic data snapshots (models/data_snapshots/): each closed
    period's KPIs per workspace, one incremental table per period type,
    published together as the view analytics.data_snapshots.

    A run gets its Dagster partition window [start, end) (UTC, hour
    precision) from the dbt vars window_start/window_end or, as Dagster
    passes it, the environment variables ANALYTICS_WINDOW_START and
    ANALYTICS_WINDOW_END (ISO 8601 timestamps), read at execution only so the
    saved parse state stays valid. Without them, the day window
    ANALYTICS_WINDOW_MIN_DATE..MAX_DATE (analytics_window.sql) is used; with
    neither, a run rebuilds every period.
-#}


{#- A window timestamp setting as an aware UTC datetime, or none. -#}
{% macro _snapshot_timestamp(name, variable) -%}
    {%- set text = _window_setting(name, variable) -%}
    {%- if text == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set utc = modules.pytz.utc -%}
    {%- set value = none -%}
    {%- if modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?$', text) -%}
        {%- set value = modules.datetime.datetime.fromisoformat(text.replace('Z', '+00:00')) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(name ~ " must be an ISO 8601 timestamp, got " ~ text) }}
    {%- endif -%}
    {%- if value.tzinfo is none -%}
        {{ return(value.replace(tzinfo=utc)) }}
    {%- endif -%}
    {{ return(value.astimezone(utc)) }}
{%- endmacro %}


{#-
    The run's partition window as {'start': datetime, 'end': datetime}
    (aware, UTC; end exclusive), or none: at parse time, or when no window is
    set (every period is rebuilt).
-#}
{% macro snapshot_window() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set start = _snapshot_timestamp('window_start', 'ANALYTICS_WINDOW_START') -%}
    {%- set end = _snapshot_timestamp('window_end', 'ANALYTICS_WINDOW_END') -%}
    {%- if start is none or end is none -%}
        {%- set min_date = _date_var('min_date') -%}
        {%- set max_date = _date_var('max_date') -%}
        {%- if min_date is none and max_date is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set utc = modules.pytz.utc -%}
        {%- set first = min_date if min_date is not none else max_date -%}
        {%- set last = max_date if max_date is not none else min_date -%}
        {%- set start = modules.datetime.datetime(first.year, first.month, first.day, tzinfo=utc) -%}
        {%- set end = modules.datetime.datetime(last.year, last.month, last.day, tzinfo=utc)
            + modules.datetime.timedelta(days=1) -%}
    {%- endif -%}
    {%- if end <= start -%}
        {{ exceptions.raise_compiler_error("the snapshot window ends before it starts: " ~ start ~ " .. " ~ end) }}
    {%- endif -%}
    {{ return({'start': start, 'end': end}) }}
{%- endmacro %}


{#- `column` (a timestamptz) within the window [start, end); true without one. -#}
{% macro in_snapshot_window(column) -%}
    {%- set w = snapshot_window() -%}
    {%- if w is none -%}
        true
    {%- else -%}
        {{ column }} >= '{{ w.start.isoformat() }}'::timestamptz
        and {{ column }} < '{{ w.end.isoformat() }}'::timestamptz
    {%- endif -%}
{%- endmacro %}


{#- `column` (a date) on a day the window touches; true without a window. -#}
{% macro on_snapshot_window_days(column) -%}
    {%- set w = snapshot_window() -%}
    {%- if w is none -%}
        true
    {%- else -%}
        {%- set first = w.start.date() -%}
        {%- set last = w.end.date() if w.end.time() == modules.datetime.time(0) else w.end.date() + modules.datetime.timedelta(days=1) -%}
        {{ column }} >= '{{ first.isoformat() }}'::date
        and {{ column }} < '{{ last.isoformat() }}'::date
    {%- endif -%}
{%- endmacro %}


{#-
    pre_hook of each period model: delete the periods this run rebuilds
    (snapshot_date within the window; every row without a window). Other
    periods stay as they were frozen.
-#}
{% macro delete_snapshot_periods() -%}
    {%- if this is none or not is_incremental() -%}
        select 1
    {%- else -%}
        delete from {{ this }} where {{ in_snapshot_window('snapshot_date') }}
    {%- endif -%}
{%- endmacro %}


{#-
    Weekly or monthly KPIs (unit 'week' or 'month', step '1 week' or
    '1 month'): sums over the days of each period, ratios recomputed from the
    summed numerators and denominators, distinct active users over the whole
    period, total_users as of the period's last day.
-#}
{% macro period_snapshot(snapshot_type, unit, step) -%}
with

days as (

    select
        date_trunc('{{ unit }}', metric_date::timestamp)::date as period,
        metric_date,
        workspace_id,
        new_users,
        total_users,
        events,
        sessions,
        total_runs,
        successful_runs,
        failed_runs,
        cancelled_runs,
        credits_consumed,
        error_events,
        api_calls
    from {{ ref('daily_metrics') }}
    where {{ on_snapshot_window_days('metric_date') }}

),

sums as (

    select
        period,
        workspace_id,
        sum(new_users) as new_users,
        sum(events) as events,
        sum(sessions) as sessions,
        sum(total_runs) as total_runs,
        sum(successful_runs) as successful_runs,
        sum(failed_runs) as failed_runs,
        sum(cancelled_runs) as cancelled_runs,
        sum(credits_consumed) as credits_consumed,
        sum(error_events) as error_events,
        sum(api_calls) as api_calls,
        (array_agg(total_users order by metric_date desc))[1] as total_users
    from days
    group by period, workspace_id

),

activity_days as (

    select
        date_trunc('{{ unit }}', activity_date::timestamp)::date as period,
        workspace_id,
        user_id
    from {{ ref('int_user_activity_days') }}
    where {{ on_snapshot_window_days('activity_date') }}

),

active as (

    select
        period,
        workspace_id,
        count(distinct user_id) as active_users
    from activity_days
    group by grouping sets ((period, workspace_id), (period))

),

final as (

    select
        '{{ snapshot_type }}'::text as snapshot_type,
        sums.period::timestamp at time zone 'UTC' as snapshot_date,
        (sums.period + interval '{{ step }}')::timestamp at time zone 'UTC' as period_end,
        sums.workspace_id,
        jsonb_build_object(
            'active_users', coalesce(active.active_users, 0),
            'new_users', sums.new_users,
            'total_users', sums.total_users,
            'events', sums.events,
            'sessions', sums.sessions,
            'total_runs', sums.total_runs,
            'success_rate', sums.successful_runs::numeric
                / nullif(sums.successful_runs + sums.failed_runs + sums.cancelled_runs, 0),
            'credits_consumed', sums.credits_consumed,
            'error_rate', (sums.failed_runs + sums.error_events)::numeric
                / nullif(sums.total_runs + sums.events, 0),
            'api_calls', sums.api_calls
        ) as data
    from sums
    left join active
        on active.period = sums.period
        and active.workspace_id is not distinct from sums.workspace_id

)

select * from final
where {{ in_snapshot_window('snapshot_date') }}
{%- endmacro %}


{#-
    The rows of every period table in `relations`, as one select (an empty,
    typed select when there is none).
-#}
{% macro data_snapshots_union(relations) -%}
    {%- for relation in relations %}
    {% if not loop.first %}union all{% endif %}
    select snapshot_type, snapshot_date, period_end, workspace_id, data
    from {{ relation }}
    {%- endfor %}
    {%- if not relations %}
    select
        null::text as snapshot_type,
        null::timestamptz as snapshot_date,
        null::timestamptz as period_end,
        null::text as workspace_id,
        null::jsonb as data
    where false
    {%- endif %}
{%- endmacro %}


{#- The relations among `relations` that exist in the warehouse (none at parse time). -#}
{% macro existing_relations(relations, present=none) -%}
    {%- set found = [] -%}
    {%- for relation in relations -%}
        {%- if execute and (
            (present is not none and relation.identifier == present.identifier)
            or adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none
        ) -%}
            {%- do found.append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}


{#-
    post_hook of each period model: (re)create the published view
    analytics.data_snapshots over the period tables that exist, with
    security_invoker so that their row-level security applies to its
    readers. The view is also the model data_snapshots (same SQL,
    data_snapshots_union); recreating it here, in the period's transaction,
    makes a period's first rows visible in it at once, and restores it after
    a period table was rebuilt from scratch (which drops dependent views).
    Concurrent period runs take turns (advisory lock).
-#}
{% macro publish_data_snapshots() -%}
    {%- if not execute or this is none -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set periods = [] -%}
    {%- for kind in ['hourly', 'daily', 'weekly', 'monthly'] -%}
        {%- do periods.append(api.Relation.create(
            database=this.database, schema=this.schema,
            identifier='data_snapshots_' ~ kind, type='table')) -%}
    {%- endfor -%}
    {%- set view = api.Relation.create(
        database=this.database, schema=this.schema, identifier='data_snapshots', type='view') -%}
    {%- set existing = adapter.get_relation(view.database, view.schema, view.identifier) -%}
    select pg_advisory_xact_lock(hashtext('{{ view }}'));
    {#- A table of that name (written by the Python assets before the data
        snapshots moved to dbt) gives way, as the view model would replace it. #}
    {%- if existing is not none and existing.type != 'view' %}
    drop table if exists {{ view }} cascade;
    {%- endif %}
    create or replace view {{ view }} with (security_invoker = true) as
    {{ data_snapshots_union(existing_relations(periods, present=this)) }}
{%- endmacro %}


{#-
    pre_hook of the data_snapshots view: drops `relation` if it is a view that
    dbt does not know of (one a period model of the same dbt invocation made
    in its post_hook; dbt's view materialization would fail creating its own).
    A relation dbt listed when the run began (the view of an earlier run, or
    an older version's table) is left to the materialization, which replaces
    it.
-#}
{% macro drop_view_made_elsewhere(relation) -%}
    {%- if execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none -%}
        select 1
    {%- else -%}
    do $$
    begin
        if exists (
            select 1
            from pg_catalog.pg_class as c
            inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
            where n.nspname = '{{ relation.schema }}'
                and c.relname = '{{ relation.identifier }}'
                and c.relkind = 'v'
        ) then
            execute 'drop view {{ relation }}';
        end if;
    end
    $$
    {%- endif -%}
{%- endmacro %}
