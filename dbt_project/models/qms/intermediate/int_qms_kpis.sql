{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        tags=['daily'],
        meta={'partition_column': 'period_start', 'partition_end_column': 'period_end'},
        pre_hook="{{ qms_delete_recomputed('period_start') }}",
        indexes=[{'columns': ['period_start']}],
    )
}}

{#-
    The QMS KPIs in the long shape of analytics_metrics (which copies them
    whole): one row per measure of each row of the five QMS tables, period
    type day, with the same KPI of the same scope on the day before as
    previous_value, and the KPI's category, subcategory, unit, calculation
    method and data source from qms_kpi_definitions (docs/metrics.md, "QMS
    KPIs in analytics_metrics"). Rebuilt for the days the QMS tables
    rebuild.
-#}

with

days as (

    {{ qms_recompute_days() }}

),

definitions as (

    {{ qms_kpi_definitions_select() }}

),
{%- for table_name, spec in qms_kpi_tables().items() %}

{{ table_name }}_values as (

    select
        kpi.metric_name,
        t.metric_date,
        {%- for column in qms_kpi_scope_columns() %}
        {{ spec.columns[loop.index0] }}::text as {{ column }},
        {%- endfor %}
        '{{ spec.data_source }}'::text as data_source,
        kpi.value
    from {{ ref(table_name) }} as t
    {{ qms_kpi_cells(table_name, 't') }}
    where
        t.metric_date in (select day from days)
        or t.metric_date + 1 in (select day from days)

),
{%- endfor %}

kpi_values as (

    select
        definitions.metric_name,
        definitions.metric_type,
        definitions.category,
        definitions.metric_subcategory,
        definitions.unit,
        definitions.calculation_method,
        table_values.metric_date,
        table_values.workspace_id,
        table_values.department_id,
        table_values.module_name,
        table_values.entity_type,
        table_values.entity_id,
        table_values.data_source,
        table_values.value
    from (
        {%- for table_name in qms_kpi_tables() %}
        select * from {{ table_name }}_values
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    ) as table_values
    inner join definitions
        on table_values.metric_name = definitions.metric_name

),

final as (

    select  -- noqa: ST06
        current_day.metric_name,
        current_day.metric_type,
        current_day.category,
        'day'::text as period_type,
        current_day.metric_date as period_start,
        current_day.metric_date as period_end,
        current_day.workspace_id,
        current_day.value,
        previous_day.value as previous_value,
        trim_scale(
            (current_day.value - previous_day.value) * 100 / nullif(previous_day.value, 0)
        ) as change_percentage,
        current_day.metric_subcategory,
        current_day.unit,
        current_day.department_id,
        current_day.module_name,
        current_day.entity_type,
        current_day.entity_id,
        current_day.calculation_method,
        current_day.data_source
    from kpi_values as current_day
    left join kpi_values as previous_day
        on current_day.metric_name = previous_day.metric_name
        and previous_day.metric_date = current_day.metric_date - 1
        and current_day.workspace_id is not distinct from previous_day.workspace_id
        and current_day.module_name is not distinct from previous_day.module_name
        and current_day.entity_id is not distinct from previous_day.entity_id
    where current_day.metric_date in (select day from days)

)

select * from final
