{#-
    pre_hook of int_hr_activity_days (a table rebuilt whole): record as dirty
    (macros/dirty_days.sql) the days that the ingest batches it has not seen
    yet change in the HR tables, then take those batches into its ledger:

      - the event day of each new row of the batch-incremental HR staging
        models (their batches in the staging ledger), the start day of each
        activity session a new event belongs to (a session counts on its
        first event's day), and the requested day of each report a new access
        reads (report_generation_stats counts a report's accesses so far);
      - for the dimension sources (organizations, departments, branches,
        employees; every batch of raw._ingest_batches), the earliest
        timestamp of every raw version of the keys a new batch brings (the
        daily models reach from a dirty day to the as-of date);
      - for hr_users (a deletion), the event days of the users a new batch
        brings.
-#}
{% macro record_hr_dirty_days() -%}
    {%- if this is none -%}{{ return('select 1') }}{%- endif -%}
    {%- set ledger = processed_batches_relation() -%}
    {%- set staged = api.Relation.create(database=this.database, schema='staging', identifier='_processed_batches') -%}
    {%- set ingest_batches = adapter.quote(source('raw', 'hr_users').schema) ~ '._ingest_batches' -%}
    {%- set facts = {
        'stg_hr_activity_logs': ('occurred_at', 'user_id'),
        'stg_hr_report_access_logs': ('accessed_at', 'user_id'),
        'stg_hr_report_generations': ('requested_at', 'requested_by_user_id'),
        'stg_hr_chat_sessions': ('started_at', 'user_id'),
        'stg_hr_notification_deliveries': ('sent_at', 'user_id'),
        'stg_hr_dashboard_interactions': ('occurred_at', 'user_id'),
        'stg_hr_survey_responses': ('responded_at', 'user_id'),
    } -%}
    {%- set dimensions = {
        'hr_organizations': ('organization_id', 'least(created_at, updated_at)'),
        'hr_departments': ('department_id', 'least(created_at, deleted_at)'),
        'hr_branches': ('branch_id', 'least(created_at, deleted_at)'),
        'hr_employees': ('employee_id', 'least(applied_at, hired_at, rejected_at, terminated_at)'),
        'hr_users': ('user_id', 'null::timestamptz'),
    } -%}
    {%- set new_staged -%}
        select batch_id from {{ staged }}
        where model in ('{{ facts.keys() | join("', '") }}')
            and batch_id not in (select batch_id from {{ ledger }} where model = '{{ this.identifier }}')
    {%- endset -%}
    {%- set new_raw -%}
        select batch_id from {{ ingest_batches }}
        where source in ('{{ dimensions.keys() | join("', '") }}')
            and batch_id not in (select batch_id from {{ ledger }} where model = '{{ this.identifier }}')
    {%- endset -%}
    {%- set days_sql -%}
        {%- for model, columns in facts.items() %}
        select ({{ columns[0] }} at time zone 'UTC')::date as day
        from {{ ref(model) }}
        where _batch_id in ({{ new_staged }})
            or {{ columns[1] }} in (
                select user_id from {{ source('raw', 'hr_users') }} where _batch_id in ({{ new_raw }})
            )
        union
        {%- endfor %}
        {%- for name, spec in dimensions.items() %}
        {%- set key, time_sql = spec[0], spec[1] %}
        select (min({{ time_sql }}) at time zone 'UTC')::date
        from {{ source('raw', name) }}
        where {{ key }} in (select {{ key }} from {{ source('raw', name) }} where _batch_id in ({{ new_raw }}))
        group by {{ key }}
        union
        {%- endfor %}
        select (min(session_event.occurred_at) at time zone 'UTC')::date
        from {{ ref('stg_hr_activity_logs') }} as session_event
        where session_event.session_id in (
            select session_id from {{ ref('stg_hr_activity_logs') }} where _batch_id in ({{ new_staged }})
        )
        group by session_event.organization_id, session_event.user_id, session_event.session_id
        union
        select (generation.requested_at at time zone 'UTC')::date
        from {{ ref('stg_hr_report_generations') }} as generation
        where generation.report_id in (
            select report_id from {{ ref('stg_hr_report_access_logs') }} where _batch_id in ({{ new_staged }})
        )
    {%- endset -%}
    {{ record_dirty_days(days_sql) }};
    {{ take_batches_into_ledger(new_staged ~ ' union ' ~ new_raw) }}
{%- endmacro %}
