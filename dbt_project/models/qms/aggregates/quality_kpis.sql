{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ qms_delete_recomputed() }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

{#- Quality events per department, module and day (docs/metrics.md,
    "quality_kpis"): counts of the records in qms_kpi_records. -#}

{%- set open_counts = [
    'open_events', 'open_deviations', 'open_capas', 'open_complaints', 'open_audit_findings',
    'open_change_controls', 'open_critical', 'open_major', 'open_minor'
] %}
{%- set severities = ['critical', 'major', 'minor'] %}

with

days as (

    {{ qms_recompute_days() }}

),

spine as (

    {{ qms_scope_days(
        "select department_id, module, min(" ~ qms_day('opened_at') ~ ") as first_day from "
        ~ ref('stg_qms_quality_events') ~ " group by department_id, module",
        ['department_id', 'module']
    ) }}

),

records as (

    {{ qms_table_records('quality_kpis', ['department_id', 'module']) }}

),

figures as (

    select
        department_id,
        module,
        metric_date,
        {%- for kpi in open_counts + ['opened_events', 'closed_events'] %}
        {{ qms_count(kpi) }} as {{ kpi }},
        {%- endfor %}
        {%- for severity in severities %}
        avg(value) filter (
            where kpi = 'days_to_close_{{ severity }}'
        ) as mean_days_to_close_{{ severity }},
        {%- endfor %}
        {%- for severity in severities %}
        (percentile_cont(0.9) within group (order by value) filter (
            where kpi = 'days_to_close_{{ severity }}'
        ))::numeric as p90_days_to_close_{{ severity }},
        {%- endfor %}
        {{ qms_count('capas_closed') }} as capas_closed,
        {{ qms_count('capas_closed_on_time') }} as capas_closed_on_time,
        {{ qms_count('overdue_capas') }} as overdue_capas,
        {{ qms_count('repeat_deviations') }} as repeat_deviations
    from records
    group by department_id, module, metric_date

),

final as (

    select  -- noqa: ST06
        spine.department_id,
        spine.module,
        spine.metric_date,
        {%- for kpi in open_counts + ['opened_events', 'closed_events'] %}
        coalesce(figures.{{ kpi }}, 0) as {{ kpi }},
        {%- endfor %}
        {%- for stat in ['mean', 'p90'] %}
        {%- for severity in severities %}
        figures.{{ stat }}_days_to_close_{{ severity }},
        {%- endfor %}
        {%- endfor %}
        coalesce(figures.capas_closed, 0) as capas_closed,
        coalesce(figures.capas_closed_on_time, 0) as capas_closed_on_time,
        {{ safe_ratio(
            'figures.capas_closed_on_time', 'figures.capas_closed'
        ) }} as capa_on_time_closure_rate,
        coalesce(figures.overdue_capas, 0) as overdue_capas,
        coalesce(figures.repeat_deviations, 0) as repeat_deviations
    from spine
    left join figures
        on spine.department_id = figures.department_id
        and spine.module = figures.module
        and spine.metric_date = figures.metric_date

)

select * from final
