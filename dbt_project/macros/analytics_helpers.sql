{#- Shared SQL fragments of the activity and agent analytics models. -#}


{#- numerator / denominator as numeric without trailing zeros, null when the
    denominator is 0. -#}
{% macro safe_ratio(numerator, denominator) -%}
    trim_scale(({{ numerator }})::numeric / nullif({{ denominator }}, 0))
{%- endmacro %}


{#-
    Join key of a row that is either one workspace or the all-workspaces
    row (workspace_id null, e.g. from grouping sets): hash joins work on it,
    and no workspace id can collide with the all row.
-#}
{% macro workspace_key(workspace_column='workspace_id') -%}
    coalesce('ws:' || {{ workspace_column }}, 'all')
{%- endmacro %}


{#- Join condition: the rows `left_column` and `right_column` (workspace ids,
    null for the all-workspaces row) are of the same workspace (workspace_key). -#}
{% macro same_workspace(left_column, right_column) -%}
    {{ workspace_key(left_column) }} = {{ workspace_key(right_column) }}
{%- endmacro %}


{#-
    A select of (day, workspace_id, total_users) for every day of the
    one-column (`day`) relation or subquery `days`: non-deleted users of the
    workspace (newest version) created before the end of the day, plus the
    all-workspaces row (workspace_id null) counting every such user. A
    workspace without users has no row: callers coalesce to 0.
-#}
{% macro total_users_by_day(days) -%}
    select
        days.day,
        created.workspace_id,
        sum(created.users)::bigint as total_users
    from {{ days }} as days
    inner join (
        select
            workspace_id,
            (created_at at time zone 'UTC')::date as created_date,
            count(*) as users
        from {{ ref('stg_users') }}
        where not is_deleted
        group by grouping sets ((workspace_id, (created_at at time zone 'UTC')::date), ((created_at at time zone 'UTC')::date))
    ) as created
        on created.created_date <= days.day
    group by days.day, created.workspace_id
{%- endmacro %}


{#-
    post_hook: set total_users of every row of {{ this }} (keyed by
    `date_column`, workspace_id) from the current users, so that a deletion
    or a late sign-up reaches days outside the recompute window. Cheap: it
    reads the users, not the events.
-#}
{% macro refresh_total_users(date_column) -%}
    {%- set stg_users = ref('stg_users') -%}
    {%- if is_incremental() -%}
        update {{ this }} as target
        set total_users = coalesce(totals.total_users, 0)
        from (
            select distinct {{ date_column }} as day, workspace_id
            from {{ this }}
        ) as row_keys
        left join (
            {{ total_users_by_day('(select distinct ' ~ date_column ~ ' as day from ' ~ this ~ ')') }}
        ) as totals
            on totals.day = row_keys.day
            and {{ workspace_key('totals.workspace_id') }} = {{ workspace_key('row_keys.workspace_id') }}
        where target.{{ date_column }} = row_keys.day
            and {{ workspace_key('target.workspace_id') }} = {{ workspace_key('row_keys.workspace_id') }}
            and target.total_users is distinct from coalesce(totals.total_users, 0)
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#-
    A select of (day, workspace_id) for the dense daily tables: every day of
    `days` (a one-column relation) for each workspace from its first
    activity day on, and the all-workspaces row (workspace_id null) from the
    first activity day overall.
-#}
{% macro workspace_day_spine(days) -%}
    select
        days.day,
        first_days.workspace_id
    from {{ days }} as days
    inner join (
        select
            workspace_id,
            min(first_activity_date) as first_activity_date
        from {{ ref('int_user_first_activity') }}
        group by grouping sets ((workspace_id), ())
    ) as first_days
        on first_days.first_activity_date <= days.day
{%- endmacro %}


{#- jsonb {key: value} over the rows of a group, '{}' when there are none. -#}
{% macro jsonb_map(key_column, value_column) -%}
    coalesce(
        jsonb_object_agg({{ key_column }}, {{ value_column }}) filter (where {{ key_column }} is not null),
        '{}'::jsonb
    )
{%- endmacro %}


{#-
    `cross join lateral` giving the three periods (period_type day, week,
    month; period_start; period_end inclusive) that contain `date_column`.
    Weeks start Monday.
-#}
{% macro periods_containing(date_column) -%}
    cross join lateral (
        values
            ('day', {{ date_column }}, {{ date_column }}),
            (
                'week',
                date_trunc('week', {{ date_column }}::timestamp)::date,
                date_trunc('week', {{ date_column }}::timestamp)::date + 6
            ),
            (
                'month',
                date_trunc('month', {{ date_column }}::timestamp)::date,
                (date_trunc('month', {{ date_column }}::timestamp) + interval '1 month - 1 day')::date
            )
    ) as periods (period_type, period_start, period_end)
{%- endmacro %}


{#- First day of the period before the `period_type` period starting on `period_start`. -#}
{% macro previous_period_start(period_type, period_start) -%}
    case {{ period_type }}
        when 'day' then {{ period_start }} - 1
        when 'week' then {{ period_start }} - 7
        else ({{ period_start }} - interval '1 month')::date
    end
{%- endmacro %}


{#-
    Each user's first activity day in a workspace, and their first activity day
    over all workspaces (what the all-workspaces rows count as "new").
-#}
{% macro first_activity_days() -%}
    select
        user_id,
        workspace_id,
        first_activity_date,
        min(first_activity_date) over (partition by user_id) as first_activity_date_overall
    from {{ ref('int_user_first_activity') }}
{%- endmacro %}


{#-
    The select of int_deleted_user_*_days: (user_id, workspace_id,
    activity_date, deleted_date) for each UTC day a deleted user has rows in
    one of `event_models`, a list of (staging model, event time column),
    while those rows are still in staging.
-#}
{% macro deleted_user_days(event_models) -%}
with

deleted_users as (

    select
        user_id,
        (deleted_at at time zone 'UTC')::date as deleted_date
    from {{ ref('stg_users') }}
    where is_deleted

),

activity_days as (

    {% for model, time_column in event_models -%}
    {% if not loop.first %}
    union

    {% endif -%}
    select distinct
        user_id,
        workspace_id,
        ({{ time_column }} at time zone 'UTC')::date as activity_date
    from {{ ref(model) }}
    where user_id in (select user_id from deleted_users)
    {%- endfor %}

),

final as (

    select
        activity_days.user_id,
        activity_days.workspace_id,
        activity_days.activity_date,
        deleted_users.deleted_date
    from activity_days
    inner join deleted_users
        on activity_days.user_id = deleted_users.user_id

)

select * from final
{%- endmacro %}


{#-
    `cross join lateral` giving each row twice, as scope.workspace_id: once
    its own workspace (`workspace_column`), once null for the all-workspaces
    row. Grouping by scope.workspace_id gives what grouping sets
    ((..., workspace_id), (...)) give (workspace ids are never null) while the
    grouping stays plain, so that a reader's filter on a grouped day column
    reaches the rows before they are grouped: PostgreSQL pushes no filter
    through grouping sets, and the per-concept daily views would group all
    history on every incremental run.
-#}
{% macro with_all_workspaces_row(workspace_column) -%}
    cross join lateral (values ({{ workspace_column }}), (null::text)) as scope (workspace_id)
{%- endmacro %}


{#-
    A select of (as_of_date, workspace_id, last_activity_at) for every day of
    `as_of_dates` (a one-column relation `day`): the latest event time or run
    start of a non-deleted user of the workspace on or before that day; no
    row for a workspace without activity by then. The latest activity as of
    a date is on the workspace's latest active day on or before it: that day
    comes from int_user_activity_days, then its latest timestamp from
    int_workspace_activity__daily, read on those days only. A macro rather
    than a view: the as-of dates are the days an incremental run rebuilds.
-#}
{% macro last_activity_as_of(as_of_dates) -%}
    with

    activity_days as (

        select distinct
            workspace_id,
            activity_date
        from {{ ref('int_user_activity_days') }}
        where activity_date <= (select max(day) from {{ as_of_dates }})

    ),

    last_active_days as (

        select
            as_of_dates.day as as_of_date,
            activity_days.workspace_id,
            max(activity_days.activity_date) as last_active_date
        from {{ as_of_dates }} as as_of_dates
        inner join activity_days
            on as_of_dates.day >= activity_days.activity_date
        group by as_of_dates.day, activity_days.workspace_id

    ),

    latest_times as (

        select
            activity_date,
            workspace_id,
            last_activity_at
        from {{ ref('int_workspace_activity__daily') }}
        where activity_date between (select min(last_active_date) from last_active_days)
            and (select max(last_active_date) from last_active_days)

    )

    select
        last_active_days.as_of_date,
        last_active_days.workspace_id,
        latest_times.last_activity_at
    from last_active_days
    inner join latest_times
        on last_active_days.workspace_id = latest_times.workspace_id
        and last_active_days.last_active_date = latest_times.activity_date
{%- endmacro %}


{#-
    A select of (period_type, period_start, period_end, is_rebuilt,
    workspace_id) for the period tables: every period (day, week, month)
    that contains a day this run rebuilds (recompute_days(reach_days)),
    is_rebuilt true, plus the period before each (is_rebuilt false, unless
    rebuilt itself), computed alongside for previous values; each for every
    workspace whose first activity day is on or before the period's end,
    and the all-workspaces row (workspace_id null) from the first activity
    day overall; periods starting after the as-of date, and workspaces whose
    first day is after it, left out. A macro
    rather than a model: the days are those of the calling incremental run.
    `rebuilt_days` (a select of one column `day`) and `first_days` (a select
    of workspace_id, first_activity_date with the all-workspaces row) replace
    those of the activity tables (the HR pack passes its own).
-#}
{% macro workspace_period_spine(reach_days=0, rebuilt_days=none, first_days=none) -%}
    with

    rebuilt_days as (

        {{ rebuilt_days if rebuilt_days is not none else recompute_days(reach_days=reach_days) }}

    ),

    rebuilt_periods as (

        select distinct
            periods.period_type,
            periods.period_start,
            periods.period_end
        from rebuilt_days
        {{ periods_containing('rebuilt_days.day') }}

    ),

    needed_periods as (

        select
            period_type,
            period_start,
            period_end,
            true as is_rebuilt
        from rebuilt_periods

        union all

        select
            period_type,
            {{ previous_period_start('period_type', 'period_start') }} as period_start,
            period_start - 1 as period_end,
            false as is_rebuilt
        from rebuilt_periods
        where ({{ previous_period_start('period_type', 'period_start') }}, period_type) not in (
            select
                period_start,
                period_type
            from rebuilt_periods
        )

    ),

    first_days as (

        {%- if first_days is not none %}
        {{ first_days }}
        {%- else %}
        select
            workspace_id,
            min(first_activity_date) as first_activity_date
        from {{ ref('int_user_first_activity') }}
        group by grouping sets ((workspace_id), ())
        {%- endif %}

    )

    select
        needed_periods.period_type,
        needed_periods.period_start,
        needed_periods.period_end,
        needed_periods.is_rebuilt,
        first_days.workspace_id
    from needed_periods
    inner join first_days
        on needed_periods.period_end >= first_days.first_activity_date
    where needed_periods.period_start <= {{ as_of_date() }}
        and first_days.first_activity_date <= {{ as_of_date() }}
{%- endmacro %}


{#-
    The long KPI rows of the period tables: a select of (metric_name,
    metric_type, category, period_type, period_start, period_end,
    workspace_id, value, previous_value, change_percentage) from the wide
    relation `period_values` (a row per period and workspace: period_type,
    period_start, period_end, is_rebuilt, workspace_id and a numeric column
    per metric), one row per metric of `metrics`, a list of (metric_name,
    metric_type, category). previous_value is the metric of the same
    workspace in the previous period (a row of period_values too, computed
    alongside); only the rows with is_rebuilt are kept.
-#}
{% macro kpis_with_previous(period_values, metrics) -%}
    with

    metric_values as (

        select
            metrics.metric_name,
            metrics.metric_type,
            metrics.category,
            period_values.period_type,
            period_values.period_start,
            period_values.period_end,
            period_values.is_rebuilt,
            period_values.workspace_id,
            metrics.value
        from {{ period_values }} as period_values
        cross join lateral (
            values
            {%- for metric_name, metric_type, category in metrics %}
                ('{{ metric_name }}', '{{ metric_type }}', '{{ category }}', period_values.{{ metric_name }})
                {{- ',' if not loop.last }}
            {%- endfor %}
        ) as metrics (metric_name, metric_type, category, value)

    ),

    with_previous as (

        select
            current_period.metric_name,
            current_period.metric_type,
            current_period.category,
            current_period.period_type,
            current_period.period_start,
            current_period.period_end,
            current_period.is_rebuilt,
            current_period.workspace_id,
            current_period.value,
            previous_period.value as previous_value
        from metric_values as current_period
        left join metric_values as previous_period
            on current_period.metric_name = previous_period.metric_name
            and current_period.period_type = previous_period.period_type
            and {{ previous_period_start('current_period.period_type', 'current_period.period_start') }}
            = previous_period.period_start
            and {{ same_workspace('current_period.workspace_id', 'previous_period.workspace_id') }}

    )

    select
        metric_name,
        metric_type,
        category,
        period_type,
        period_start,
        period_end,
        workspace_id,
        value,
        previous_value,
        trim_scale((value - previous_value) * 100 / nullif(previous_value, 0)) as change_percentage
    from with_previous
    where is_rebuilt
{%- endmacro %}


{#-
    A select of (period_type, period_start, workspace_id,
    api_latency_p95_ms): the 95th percentile of the duration_ms of the
    api_call events (int_activity_events) per period (periods_containing)
    and workspace, plus the all-workspaces row (workspace_id null), over the
    events from `first_day` to `last_day` (SQL date expressions) only. A
    percentile does not add up over days, so no daily view can give it; the
    bounds are those of the calling incremental run.
-#}
{% macro api_latency_p95_by_period(first_day, last_day) -%}
    select
        periods.period_type,
        periods.period_start,
        api_calls.workspace_id,
        (percentile_cont(0.95) within group (order by api_calls.duration_ms))::numeric as api_latency_p95_ms
    from {{ ref('int_activity_events') }} as api_calls
    {{ periods_containing('api_calls.event_date') }}
    where api_calls.event_type = 'api_call'
        and api_calls.event_date between {{ first_day }} and {{ last_day }}
    group by grouping sets (
        (periods.period_type, periods.period_start, api_calls.workspace_id),
        (periods.period_type, periods.period_start)
    )
{%- endmacro %}


{#- The domain packs whose KPIs land in analytics_metrics: (KPI model, days
    model) of each. The KPI model has analytics_metrics' columns and rebuilds
    the periods containing its pack's rebuilt days. -#}
{% macro analytics_metrics_packs() -%}
    {{ return([('int_hr_kpis', 'int_hr_activity_days')]) }}
{%- endmacro %}


{#- analytics_metrics' rows of the domain packs: each pack's KPI rows of the
    periods containing a day of `days_relation`, and every row of the packs
    rebuilt whole. -#}
{% macro analytics_metrics_pack_rows(days_relation) -%}
    {%- for kpi_model, _days_model in analytics_metrics_packs() %}
    {{ kpis_of_rebuilt_periods(kpi_model, days_relation) }}
    union all
    {%- endfor %}
    {%- for kpi_model, _categories in analytics_metrics_whole_packs() %}
    {{ whole_pack_kpis(kpi_model) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The seed 001 scope and provenance columns of analytics_metrics, after
    analytics_metrics_columns(): filled by the packs whose KPI model has them
    (analytics_metrics_scoped_models), null on the other rows. -#}
{% macro analytics_metrics_scope_columns() -%}
    {{ return({
        'metric_subcategory': 'text',
        'unit': 'text',
        'department_id': 'text',
        'module_name': 'text',
        'entity_type': 'text',
        'entity_id': 'text',
        'calculation_method': 'text',
        'data_source': 'text',
    }) }}
{%- endmacro %}


{#- The KPI models that carry analytics_metrics_scope_columns(). -#}
{% macro analytics_metrics_scoped_models() -%}
    {{ return(['int_qms_kpis']) }}
{%- endmacro %}


{#- The scope columns of a pack's rows: its own, or null. -#}
{% macro _scope_columns_of(kpi_model, alias=none) -%}
    {%- for column, type in analytics_metrics_scope_columns().items() %}
        {%- if kpi_model in analytics_metrics_scoped_models() %}
        {{ (alias ~ '.' if alias else '') ~ column }}::{{ type }} as {{ column }}{{ ',' if not loop.last }}
        {%- else %}
        null::{{ type }} as {{ column }}{{ ',' if not loop.last }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- analytics_metrics' columns, in order, and their types. -#}
{% macro analytics_metrics_columns() -%}
    {{ return({
        'metric_name': 'text',
        'metric_type': 'text',
        'category': 'text',
        'period_type': 'text',
        'period_start': 'date',
        'period_end': 'date',
        'workspace_id': 'text',
        'value': 'numeric',
        'previous_value': 'numeric',
        'change_percentage': 'numeric',
    }) }}
{%- endmacro %}


{#- The domain packs whose KPI model is rebuilt whole as of each date (the
    hospital's, after its small-cell rule): (KPI model, its categories).
    analytics_metrics replaces all their rows on every run. -#}
{% macro analytics_metrics_whole_packs() -%}
    {%- set hospital_categories = [] -%}
    {%- for _name, _type, category in hospital_kpi_metrics() if category not in hospital_categories -%}
        {%- do hospital_categories.append(category) -%}
    {%- endfor -%}
    {{ return([('int_hospital_kpis', hospital_categories), ('int_qms_kpis', qms_kpi_categories())]) }}
{%- endmacro %}


{#- Before analytics_metrics inserts its rows: the rows of the whole packs go
    (they come back whole from their KPI models). -#}
{% macro delete_whole_pack_kpis() -%}
    {%- if this is not none and is_incremental() -%}
        delete from {{ this }}
        where category in (
            {%- for _model, categories in analytics_metrics_whole_packs() -%}
                {%- for category in categories -%}
                    '{{ category }}'{{ ', ' if not loop.last }}
                {%- endfor -%}
                {{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- The rows of a whole pack's KPI model up to the as-of date; none while
    the model has not been built (its pack runs per date, after staging). -#}
{% macro whole_pack_kpis(kpi_model) -%}
    {%- set relation = ref(kpi_model) -%}
    {#- A unit test's fixture (no database or schema) is there. -#}
    {%- set built = execute and (
        relation.database is none or relation.schema is none
        or adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none
    ) -%}
    {%- if built %}
    select
        {%- for column, type in analytics_metrics_columns().items() %}
        {{ column }}::{{ type }} as {{ column }},
        {%- endfor %}
        {{ _scope_columns_of(kpi_model) }}
    from {{ relation }}
    where period_start <= {{ as_of_date() }}
    {%- else %}
    select
        {%- for column, type in analytics_metrics_columns().items() %}
        null::{{ type }} as {{ column }},
        {%- endfor %}
        {{ _scope_columns_of(none) }}
    where false
    {%- endif %}
{%- endmacro %}


{#- The day models of analytics_metrics: those of the activity tables and of
    every pack (its rows are rebuilt on the days of either). -#}
{% macro analytics_metrics_day_models() -%}
    {%- set models = ['int_user_activity_days'] -%}
    {%- for _kpi_model, days_model in analytics_metrics_packs() -%}
        {%- do models.append(days_model) -%}
    {%- endfor -%}
    {{ return(models) }}
{%- endmacro %}


{#- The rows of the long KPI model `kpi_model` (analytics_metrics' columns)
    whose period contains a day of `days_relation` (one column `day`). -#}
{% macro kpis_of_rebuilt_periods(kpi_model, days_relation) -%}
    select
        {%- for column in analytics_metrics_columns() %}
        kpis.{{ column }},
        {%- endfor %}
        {{ _scope_columns_of(kpi_model, 'kpis') }}
    from {{ ref(kpi_model) }} as kpis
    where exists (
        select 1 from {{ days_relation }} as rebuilt
        where rebuilt.day between kpis.period_start and kpis.period_end
    )
{%- endmacro %}
