{#- Shared SQL of the hospital operations pack's models (models/hospital;
    docs/metrics.md, "Hospital operations pack"). Nothing here reads the
    wall clock. -#}


{#- The hospital's currency as a SQL literal: ANALYTICS_HOSPITAL_CURRENCY,
    default USD (invoices in another currency are in no money column). -#}
{% macro hospital_currency() -%}
    {%- set code = env_var('ANALYTICS_HOSPITAL_CURRENCY', 'USD') | trim -%}
    {%- if not modules.re.match('^[A-Za-z]{3}$', code) -%}
        {{ exceptions.raise_compiler_error("ANALYTICS_HOSPITAL_CURRENCY must be a 3-letter currency code, got " ~ code) }}
    {%- endif -%}
    '{{ code }}'
{%- endmacro %}


{#- The UTC day of a timestamptz. -#}
{% macro hospital_day(ts) -%}
    (({{ ts }}) at time zone 'UTC')::date
{%- endmacro %}


{#- The instant a day ends (d + 1 day, 00:00 UTC), exclusive: "before the
    end of d" is `< hospital_end_of(d)`. -#}
{% macro hospital_end_of(day) -%}
    (({{ day }}) + 1)::timestamp at time zone 'UTC'
{%- endmacro %}


{#- The age band of a patient born `date_of_birth` at the day `day`: whole
    years as extract(year from age(day, date_of_birth)); 'unknown' when the
    date of birth is null or after the day. -#}
{% macro hospital_age_band(date_of_birth, day) -%}
    case
        when {{ date_of_birth }} is null or {{ date_of_birth }} > {{ day }} then 'unknown'
        when extract(year from age({{ day }}, {{ date_of_birth }})) < 18 then '0-17'
        when extract(year from age({{ day }}, {{ date_of_birth }})) < 35 then '18-34'
        when extract(year from age({{ day }}, {{ date_of_birth }})) < 50 then '35-49'
        when extract(year from age({{ day }}, {{ date_of_birth }})) < 65 then '50-64'
        when extract(year from age({{ day }}, {{ date_of_birth }})) < 80 then '65-79'
        else '80+'
    end
{%- endmacro %}


{#- Condition: the row `alias` (with id, updated_at, deleted_at) of the
    operational table `table_name` is deleted: its newest version has
    deleted_at (soft delete), or hospital_deleted_rows has its (table, id)
    with a deleted_at at or after its newest updated_at (hard delete; a
    newer version re-inserted under the same id revives it). -#}
{% macro hospital_row_deleted(table_name, alias) -%}
    ({{ alias }}.deleted_at is not null or exists (
        select 1
        from {{ ref('stg_hospital_deleted_rows') }} as hard_delete
        where hard_delete.table_name = '{{ table_name }}'
            and hard_delete.row_id = {{ alias }}.id
            and hard_delete.deleted_at >= {{ alias }}.updated_at
    ))
{%- endmacro %}


{#- A select of the newest version of each raw patient (id, date_of_birth,
    sex, is_deleted): what the fact tables' staging joins to compute the
    age band, the sex and the cascade of a patient's deletion. The date of
    birth and the id are read here and passed on by no model. -#}
{% macro hospital_patient_lookup() -%}
    select
        patient.id,
        patient.date_of_birth,
        coalesce(patient.sex, 'unknown') as sex,
        {{ hospital_row_deleted('patients', 'patient') }} as is_deleted
    from (
        {{ latest_per_key(
            '(select id, date_of_birth, sex, updated_at, deleted_at, _ingested_at, _source_line, _source_file from '
            ~ source('raw', 'hospital_patients') ~ ') as versions',
            ['id'],
            version_column='updated_at'
        ) }}
    ) as patient
{%- endmacro %}


{#- The columns a staged row about a patient carries instead of the patient:
    patient_key (keyed pseudonym of the id's decimal text), age_band at the
    UTC day of `event_ts`, sex ('unknown' when null or the patient unknown),
    from the row `row_alias` joined to hospital_patient_lookup() as
    `patient_alias`. -#}
{% macro hospital_patient_columns(row_alias, event_ts, patient_alias='patient') -%}
    security.pseudonym({{ row_alias }}.patient_id::text) as patient_key,
    {{ hospital_age_band(patient_alias ~ '.date_of_birth', hospital_day(row_alias ~ '.' ~ event_ts)) }} as age_band,
    coalesce({{ patient_alias }}.sex, 'unknown') as sex
{%- endmacro %}


{#- The as-of date of the hospital models as a python date: max_date when
    set, else the UTC day of the newest updated_at over the staged hospital
    tables (int_hospital_source_clock: the source's "now"); none without
    data or at parse time. -#}
{% macro hospital_as_of_date_value() -%}
    {%- set clock = ref('int_hospital_source_clock') -%}
    {%- set max_date = _date_var('max_date') -%}
    {%- if max_date is not none -%}
        {{ return(max_date) }}
    {%- endif -%}
    {%- if not execute or adapter.get_relation(clock.database, clock.schema, clock.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set value = run_query('select max(newest_update_day)::text from ' ~ clock).columns[0].values()[0] -%}
    {{ return(modules.datetime.date.fromisoformat(value) if value else none) }}
{%- endmacro %}


{#- The hospital as-of date as a SQL date literal (null::date without data). -#}
{% macro hospital_as_of_date() -%}
    {{ date_literal(hospital_as_of_date_value()) }}
{%- endmacro %}


{#- A duration between two timestamptz in `unit` seconds (numeric,
    unrounded): 60 minutes, 3600 hours, 86400 days. -#}
{% macro hospital_duration(later, earlier, unit_seconds) -%}
    (extract(epoch from ({{ later }}) - ({{ earlier }})) / {{ unit_seconds }})
{%- endmacro %}


{#- percentile_cont as numeric (PostgreSQL computes it in double precision),
    trailing zeros trimmed. -#}
{% macro hospital_percentile(fraction, expression) -%}
    trim_scale((percentile_cont({{ fraction }}) within group (order by {{ expression }}))::numeric)
{%- endmacro %}


{#- The arithmetic mean as numeric, trailing zeros trimmed. -#}
{% macro hospital_mean(expression) -%}
    trim_scale(avg({{ expression }}))
{%- endmacro %}


{#- An appointment's waiting time in minutes: started_at - greatest(
    scheduled_start, checked_in_at) (a null check-in leaves the scheduled
    time), negative counted as 0, over completed appointments with
    started_at (null otherwise; greatest() skips nulls, so the floor goes
    inside the case). -#}
{% macro hospital_waiting_minutes() -%}
    case when status = 'completed' and started_at is not null then
        greatest({{ hospital_duration('started_at', 'greatest(scheduled_start, checked_in_at)', 60) }}, 0)
    end
{%- endmacro %}


{#- no_show / (completed + no_show): of the appointments closed out that the
    patient was expected at, the share missed; null when both are 0. -#}
{% macro hospital_no_show_rate(no_show, completed) -%}
    {{ safe_ratio(no_show, completed ~ ' + ' ~ no_show) }}
{%- endmacro %}


{#-
    The staging select of an operational table `table` (without the
    hospital_ prefix): the newest version of each id with `columns` (the
    contract's columns that leave raw, in contract order, after `id`), then
    - with `event_column` (a row about a patient): patient_key, age_band at
      the UTC day of `event_column` and sex, instead of patient_id;
    - is_deleted: its own deletion (hospital_row_deleted), or its patient's
      (with `event_column`), or its parent's (`parent`: a pair (staged model,
      key column), e.g. a payment's invoice);
    - the lineage columns _ingested_at, _batch_id.
-#}
{% macro hospital_staged_rows(table, columns, event_column=none, parent=none) -%}
with

source as (

    select
        id,
        {%- if event_column %}
        patient_id,
        {%- endif %}
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_' ~ table) }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

{%- if event_column %}

patients as (

    {{ hospital_patient_lookup() }}

),
{%- endif %}
{%- if parent %}

parents as (

    select
        id,
        is_deleted
    from {{ ref(parent[0]) }}

),
{%- endif %}

final as (

    select
        staged.id,
        {%- for column in columns %}
        staged.{{ column }},
        {%- endfor %}
        {%- if event_column %}
        {{ hospital_patient_columns('staged', event_column) }},
        {%- endif %}
        {{ hospital_row_deleted(table, 'staged') }}
        {%- if event_column %}
        or coalesce(patient.is_deleted, false)
        {%- endif %}
        {%- if parent %}
        or coalesce(parent.is_deleted, false)
        {%- endif %} as is_deleted,
        staged._ingested_at,
        staged._batch_id
    from newest_version as staged
    {%- if event_column %}
    left join patients as patient on staged.patient_id = patient.id
    {%- endif %}
    {%- if parent %}
    left join parents as parent on staged.{{ parent[1] }} = parent.id
    {%- endif %}

)

select * from final
{%- endmacro %}


{#- The two periods of hospital_dashboard_metrics as of D: 'current'
    D-29..D and 'previous' D-59..D-30 (period_name, first_day, last_day). -#}
{% macro hospital_dashboard_periods() -%}
select
    'current' as period_name,
    {{ hospital_as_of_date() }} - 29 as first_day,
    {{ hospital_as_of_date() }} as last_day
union all
select
    'previous' as period_name,
    {{ hospital_as_of_date() }} - 59 as first_day,
    {{ hospital_as_of_date() }} - 30 as last_day
{%- endmacro %}


{#- The hospital KPIs of analytics_metrics (int_hospital_exact_kpis) as
    (metric_name, metric_type, category) tuples, in docs/metrics.md's order;
    only those of `metric_type` when given. -#}
{% macro hospital_kpi_metrics(metric_type=none) -%}
    {%- set metrics = [
        ('new_patients', 'count', 'patients'),
        ('active_patients', 'count', 'patients'),
        ('total_appointments', 'count', 'appointments'),
        ('completed_appointments', 'count', 'appointments'),
        ('no_show_appointments', 'count', 'appointments'),
        ('appointment_completion_rate', 'ratio', 'appointments'),
        ('no_show_rate', 'ratio', 'appointments'),
        ('records_created', 'count', 'medical_records'),
        ('records_finalized', 'count', 'medical_records'),
        ('finalize_time_p50_hours', 'percentile', 'medical_records'),
        ('lab_tests_ordered', 'count', 'lab_tests'),
        ('lab_tests_completed', 'count', 'lab_tests'),
        ('lab_turnaround_p90_hours', 'percentile', 'lab_tests'),
        ('billed_amount', 'sum', 'revenue'),
        ('collected_amount', 'sum', 'revenue'),
    ] -%}
    {{ return(metrics if metric_type is none else metrics | selectattr(1, 'equalto', metric_type) | list) }}
{%- endmacro %}
