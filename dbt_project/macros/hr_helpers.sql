{#- Shared SQL of the HR platform pack's models (models/hr). -#}


{#- Condition: the row's `user_column` is no deleted platform user (the
    newest hr_users version has deleted_at). A null user or a user absent
    from hr_users counts normally (docs/metrics.md, "HR platform pack"). -#}
{% macro hr_not_deleted(user_column) -%}
    not exists (
        select 1
        from {{ ref('stg_hr_users') }} as deleted_user
        where deleted_user.is_deleted
            and deleted_user.user_id = {{ user_column }}
    )
{%- endmacro %}


{#- The instant a day ends (d + 1 day, 00:00 UTC), exclusive: "before the
    end of d" is `< hr_end_of(d)`. -#}
{% macro hr_end_of(day) -%}
    (({{ day }}) + 1)::timestamp at time zone 'UTC'
{%- endmacro %}


{#- Condition: `ts` falls in the `days` days ending `day` inclusive
    (d - days + 1 .. d, UTC). -#}
{% macro hr_in_trailing(ts, day, days) -%}
    ({{ ts }} >= {{ hr_end_of('(' ~ day ~ ') - ' ~ days) }} and {{ ts }} < {{ hr_end_of(day) }})
{%- endmacro %}


{#- A JSON object {key: value} over the rows of a group, keys sorted. -#}
{% macro hr_jsonb_counts(key_column, value_column) -%}
    coalesce(
        jsonb_object_agg({{ key_column }}, {{ value_column }} order by {{ key_column }})
            filter (where {{ key_column }} is not null),
        '{}'::jsonb
    )
{%- endmacro %}


{#- The subscription in effect at the end of `day_column`, joined to rows
    with `organization_column`: left join lateral of the one version with
    valid_from < end of day <= valid_to (int_hr_organization_versions). -#}
{% macro hr_subscription_at_end_of(day_column, organization_column, alias='subscription') -%}
    left join {{ ref('int_hr_organization_versions') }} as {{ alias }}
        on {{ alias }}.organization_id = {{ organization_column }}
        and {{ alias }}.valid_from < {{ hr_end_of(day_column) }}
        and ({{ alias }}.valid_to is null or {{ alias }}.valid_to >= {{ hr_end_of(day_column) }})
{%- endmacro %}


{#- The days an HR daily model rebuilds (recompute_days over
    int_hr_activity_days: the window, the dirty days HR batches recorded,
    each followed by `reach_days` days, none = to the as-of date). -#}
{% macro hr_recompute_days(reach_days=0, extra_days=none) -%}
    {{ return(recompute_days(reach_days, 'int_hr_activity_days', none, extra_days)) }}
{%- endmacro %}


{#- pre_hook of an HR daily model: delete the days hr_recompute_days
    rebuilds (delete_recomputed, keyed by metric_date). -#}
{% macro hr_delete_recomputed(reach_days=0, extra_days=none) -%}
    {{ return(delete_recomputed('metric_date', reach_days, none, 'int_hr_activity_days', none, false, extra_days)) }}
{%- endmacro %}


{#- extra_days of report_generation_stats: the request days of the reports
    accessed in the window (a row counts its reports' accesses so far). -#}
{% macro hr_accessed_report_days() -%}
    {%- set sql -%}
        select generation.metric_date
        from {{ ref('int_hr_report_generations') }} as generation
        where generation.report_id in (
            select access.report_id from {{ ref('int_hr_report_accesses') }} as access
            where access.metric_date between __start__ and __end__
        )
    {%- endset -%}
    {{ return(sql) }}
{%- endmacro %}


{#- `cross join lateral` giving each row twice, as scope.organization_id:
    its own organization, and null for the all-organizations row (see
    with_all_workspaces_row). -#}
{% macro hr_with_all_organizations_row(organization_column) -%}
    cross join lateral (values ({{ organization_column }}), (null::text)) as scope (organization_id)
{%- endmacro %}


{#- The rows of the per-organization daily tables for the days of the CTE
    `days`: each organization from the day of its created_at, and the
    all-organizations row (organization_id null) from the first creation
    day. -#}
{% macro hr_organization_days(days='days') -%}
    select
        created.organization_id,
        {{ days }}.day as metric_date
    from {{ days }}
    inner join ({{ hr_organization_first_days() }}) as created
        on created.created_date <= {{ days }}.day
{%- endmacro %}


{#- A select of (organization_id, created_date): each organization's creation
    day (UTC day of created_at), and the first of them for the
    all-organizations row (organization_id null). -#}
{% macro hr_organization_first_days() -%}
    select
        scope.organization_id,
        min((organizations.created_at at time zone 'UTC')::date) as created_date
    from {{ ref('stg_hr_organizations') }} as organizations
    {{ hr_with_all_organizations_row('organizations.organization_id') }}
    group by scope.organization_id
{%- endmacro %}


{#- Join condition of two relations `a` and `b` on the organization scope (an
    organization, or the all-organizations row where organization_id is null). -#}
{% macro hr_same_scope(a, b) -%}
    {{ workspace_key(a ~ '.organization_id') }} = {{ workspace_key(b ~ '.organization_id') }}
    and {{ a }}.metric_date = {{ b }}.metric_date
{%- endmacro %}


{#- Join condition of two relations on (organization_id, user_id, metric_date). -#}
{% macro hr_same_user_day(a, b) -%}
    {{ a }}.organization_id = {{ b }}.organization_id
    and {{ a }}.user_id = {{ b }}.user_id
    and {{ a }}.metric_date = {{ b }}.metric_date
{%- endmacro %}


{#- session_duration_minutes of hr_user_engagement_metrics over the CTE
    `days`: per (organization, user, day), the activity sessions starting on
    the day, (last event - first event) / 60, from their events up to the end
    of the as-of date (a session runs past midnight on its start day). -#}
{% macro hr_session_minutes() -%}
    select
        sessions.organization_id,
        sessions.user_id,
        sessions.session_date as metric_date,
        sum(sessions.duration_seconds) / 60 as session_duration_minutes
    from (
        select
            organization_id,
            user_id,
            (min(occurred_at) at time zone 'UTC')::date as session_date,
            extract(epoch from max(occurred_at) - min(occurred_at)) as duration_seconds
        from {{ ref('int_hr_activity_events') }}
        where
            session_id in (
                select session_id from {{ ref('int_hr_activity_events') }}
                where metric_date in (select day from days)
            )
            and occurred_at < {{ hr_end_of(as_of_date()) }}
        group by organization_id, user_id, session_id
    ) as sessions
    where sessions.session_date in (select day from days)
    group by sessions.organization_id, sessions.user_id, sessions.session_date
{%- endmacro %}


{#- The HR KPIs of analytics_metrics (int_hr_kpis): (metric_name,
    metric_type, category), the category the seed's feature category in
    lower case (docs/metrics.md, "HR KPIs in analytics_metrics"). -#}
{% macro hr_kpi_metrics() -%}
    {{ return([
        ('hr_active_users', 'count', 'user_management'),
        ('reports_generated', 'count', 'report_generation'),
        ('report_success_rate', 'ratio', 'report_generation'),
        ('employees_hired', 'count', 'employee_management'),
        ('chat_sessions', 'count', 'ai_consultation'),
        ('chat_helpful_rate', 'ratio', 'ai_consultation'),
        ('notification_read_rate', 'ratio', 'notification_interaction'),
        ('dashboard_load_p95_ms', 'percentile', 'analytics_viewing'),
    ]) }}
{%- endmacro %}
