{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ qms_delete_recomputed() }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

{#- Training assignments per department and day (docs/metrics.md,
    "training_compliance"): counts of the records in qms_kpi_records. -#}

{%- set counts = [
    'assigned', 'completed', 'completed_on_time', 'overdue', 'due_90d', 'compliant_90d'
] %}

with

days as (

    {{ qms_recompute_days() }}

),

spine as (

    {{ qms_scope_days(
        "select department_id, min(" ~ qms_day('assigned_at') ~ ") as first_day from "
        ~ ref('int_qms_training_assignments') ~ " group by department_id",
        ['department_id']
    ) }}

),

records as (

    {{ qms_table_records('training_compliance', ['department_id']) }}

),

figures as (

    select
        department_id,
        metric_date,
        {%- for kpi in counts %}
        {{ qms_count(kpi) }} as {{ kpi }},
        {%- endfor %}
        avg(value) filter (where kpi = 'score') as average_score
    from records
    group by department_id, metric_date

),

final as (

    select  -- noqa: ST06
        spine.department_id,
        spine.metric_date,
        {%- for kpi in counts %}
        coalesce(figures.{{ kpi }}, 0) as {{ kpi }},
        {%- endfor %}
        {{ safe_ratio('figures.compliant_90d', 'figures.due_90d') }} as compliance_rate,
        figures.average_score
    from spine
    left join figures
        on spine.department_id = figures.department_id
        and spine.metric_date = figures.metric_date

)

select * from final
