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
