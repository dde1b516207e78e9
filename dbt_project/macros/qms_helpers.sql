{#- Shared SQL of the quality management pack's models (models/qms;
    docs/metrics.md, "Quality management pack"). -#}


{#- Every raw row of a QMS source: its key, `columns`, updated_at and the
    lineage columns the dedupe rule reads. -#}
{% macro _qms_raw_rows(table, key, columns) -%}
    select
        {{ key }},
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'qms_' ~ table) }}
{%- endmacro %}


{#- Staging of a QMS source: the newest version of each key (the QMS's
    tables are small dimensions and records: rebuilt whole). -#}
{% macro qms_newest_versions(table, key, columns) -%}
with

source as (

    {{ _qms_raw_rows(table, key, columns) }}

),

newest_version as (

    {{ latest_per_key('source', [key], version_column='updated_at') }}

),

final as (

    select
        {{ key }},
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
{%- endmacro %}


{#- Every version of a QMS record as a validity interval: one row per
    (key, updated_at) (duplicates and same-instant versions: the later
    ingest), valid from its updated_at until the next version's (valid_to
    null for the newest). The version in effect at instant t has
    valid_from < t and (valid_to is null or valid_to >= t). -#}
{% macro qms_version_history(table, key, columns) -%}
with

source as (

    {{ _qms_raw_rows(table, key, columns) }}

),

versions as (

    {{ latest_per_key('source', [key, 'updated_at']) }}

),

final as (

    select
        {{ key }},
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        updated_at as valid_from,
        lead(updated_at) over (partition by {{ key }} order by updated_at) as valid_to
    from versions

)

select * from final
{%- endmacro %}


{#- The instant a day ends (d + 1 day, 00:00 UTC), exclusive. -#}
{% macro qms_end_of(day) -%}
    (({{ day }}) + 1)::timestamp at time zone 'UTC'
{%- endmacro %}


{#- The UTC day of a timestamp. -#}
{% macro qms_day(ts) -%}
    ({{ ts }} at time zone 'UTC')::date
{%- endmacro %}


{#- Condition: the history row `alias` (qms_version_history) is the version
    in effect at the end of `day`. -#}
{% macro qms_in_effect_at_end_of(alias, day) -%}
    {{ alias }}.valid_from < {{ qms_end_of(day) }}
    and ({{ alias }}.valid_to is null or {{ alias }}.valid_to >= {{ qms_end_of(day) }})
{%- endmacro %}


{#- Duration between two timestamps in days (exact numeric). -#}
{% macro qms_days_between(start, finish) -%}
    trim_scale(extract(epoch from ({{ finish }}) - ({{ start }})) / 86400)
{%- endmacro %}


{#- The days a QMS daily model rebuilds: the window and the dirty days QMS
    batches recorded (int_qms_days), each reaching to the as-of date (a
    record counts in stocks from its first day on). -#}
{% macro qms_recompute_days() -%}
    {{ return(recompute_days(none, 'int_qms_days', none)) }}
{%- endmacro %}


{#- pre_hook of a QMS daily model: delete the days qms_recompute_days rebuilds. -#}
{% macro qms_delete_recomputed(key_column='metric_date') -%}
    {{ return(delete_recomputed(key_column, none, none, 'int_qms_days', none)) }}
{%- endmacro %}


{#- The as-of date of a QMS model without max_date: the UTC day of the
    newest updated_at over the staged QMS sources (int_qms_days), none
    without any. -#}
{% macro _qms_as_of_date_value() -%}
    {%- set days = ref('int_qms_days') -%}
    {%- if not execute or adapter.get_relation(days.database, days.schema, days.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select max(activity_date)::text from {{ days }} where kind = 'updated'
    {%- endset -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {{ return(modules.datetime.date.fromisoformat(value) if value else none) }}
{%- endmacro %}


{#- The rows of a QMS table for the days of the CTE `days`: each scope of
    `first_days` (a select of the scope columns and first_day) from its
    first day on. -#}
{% macro qms_scope_days(first_days, scope_columns) -%}
    select
        {%- for column in scope_columns %}
        scopes.{{ column }},
        {%- endfor %}
        days.day as metric_date
    from days
    inner join ({{ first_days }}) as scopes
        on scopes.first_day <= days.day
{%- endmacro %}


{#- The records of `table_name` (qms_kpi_records) on the days of the CTE
    `days`: their `scope_columns`, metric_date, kpi and value. -#}
{% macro qms_table_records(table_name, scope_columns) -%}
    select
        {%- for column in scope_columns %}
        {{ column }},
        {%- endfor %}
        metric_date,
        kpi,
        value
    from {{ ref('qms_kpi_records') }}
    where table_name = '{{ table_name }}'
        and metric_date in (select day from days)
{%- endmacro %}


{#- count(*) of the kpi rows `kpi` of the records CTE. -#}
{% macro qms_count(kpi) -%}
    count(*) filter (where kpi = '{{ kpi }}')
{%- endmacro %}


{#- pre_hook of int_qms_days (a table rebuilt whole): record as dirty
    (macros/dirty_days.sql) the first day each QMS ingest batch it has not
    seen yet can change, then take those batches into its ledger. For the
    keys a new batch brings, that is the earliest time over every raw
    version of the key (a QMS figure counts a record from its first day to
    the as-of date, so the daily models reach from a dirty day to the
    as-of date), and for records other records are read through (a user's
    department, a document's department, a sample's received time, a
    version's workflow steps: a step changes its version's approval and
    review cycle, so every step of the version) the earliest time of those
    records.
-#}
{% macro record_qms_dirty_days() -%}
    {%- if this is none -%}{{ return('select 1') }}{%- endif -%}
    {%- set ledger = processed_batches_relation() -%}
    {%- set ingest_batches = adapter.quote(source('raw', 'qms_users').schema) ~ '._ingest_batches' -%}
    {%- set own_times = {
        'qms_quality_events': ('event_id', 'least(opened_at, closed_at, updated_at)'),
        'qms_document_versions': ('version_id', 'least(created_at, updated_at)'),
        'qms_training_assignments': ('assignment_id', 'least(assigned_at, completed_at, updated_at)'),
        'qms_lab_results': ('result_id', 'least(resulted_at, updated_at)'),
        'qms_risk_assessments': ('risk_id', 'least(assessed_at, updated_at)'),
    } -%}
    {#- source: (its key, the related source, the related key column, its times) -#}
    {%- set related_times = {
        'qms_users': ('user_id', 'qms_training_assignments', 'user_id', 'least(assigned_at, completed_at, updated_at)'),
        'qms_documents': ('document_id', 'qms_document_versions', 'document_id', 'least(created_at, updated_at)'),
        'qms_lab_samples': ('sample_id', 'qms_lab_results', 'sample_id', 'least(resulted_at, updated_at)'),
    } -%}
    {%- set sources = own_times.keys() | list + related_times.keys() | list + ['qms_document_review_steps', 'qms_departments'] -%}
    {%- set new_raw -%}
        select batch_id from {{ ingest_batches }}
        where source in ('{{ sources | join("', '") }}')
            and batch_id not in (select batch_id from {{ ledger }} where model = '{{ this.identifier }}')
    {%- endset -%}
    {%- set days_sql -%}
        {%- for name, spec in own_times.items() %}
        {%- set key, time_sql = spec[0], spec[1] %}
        select (min({{ time_sql }}) at time zone 'UTC')::date
        from {{ source('raw', name) }}
        where {{ key }} in (select {{ key }} from {{ source('raw', name) }} where _batch_id in ({{ new_raw }}))
        group by {{ key }}
        union
        {%- endfor %}
        {%- for name, spec in related_times.items() %}
        {%- set key, related, related_key, time_sql = spec[0], spec[1], spec[2], spec[3] %}
        select (min({{ time_sql }}) at time zone 'UTC')::date
        from {{ source('raw', related) }}
        where {{ related_key }} in (select {{ key }} from {{ source('raw', name) }} where _batch_id in ({{ new_raw }}))
        union
        {%- endfor %}
        select (min(least(step.assigned_at, step.completed_at, step.updated_at)) at time zone 'UTC')::date
        from {{ source('raw', 'qms_document_review_steps') }} as step
        where step.version_id in (
            select version_id from {{ source('raw', 'qms_document_review_steps') }}
            where _batch_id in ({{ new_raw }})
        )
    {%- endset -%}
    {{ record_dirty_days(days_sql) }};
    {{ take_batches_into_ledger(new_raw) }}
{%- endmacro %}
