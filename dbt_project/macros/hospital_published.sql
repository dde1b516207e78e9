{#-
    A published hospital table (docs/metrics.md, hospital pack, "Small
    cells"): the exact figures of int_hospital_exact_<table_name> with the
    cells the small-cell rule hides set to null and their names in
    `suppressed_columns` (jsonb array in column order, [] when none). The
    hidden cells come from the Python asset hospital/suppressed_cells
    (source hospital.suppressed_cells: one row per row with anything hidden,
    keyed by its period and dimensions). The exact model's `extra_columns`
    (counts the rule needs, never published) are left out.
-#}
{% macro hospital_published(table_name, grain, period_column, extra_columns=[]) -%}
    {%- set exact = ref('int_hospital_exact_' ~ table_name) -%}
    {%- set cells = source('hospital', 'suppressed_cells') -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(exact) -%}
            {%- if column.name not in extra_columns -%}
                {%- do columns.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
select
    {%- for column in columns %}
    {%- if column in grain %}
    exact.{{ column }},
    {%- else %}
    case when cells.suppressed_columns ? '{{ column }}' then null else exact.{{ column }} end as {{ column }},
    {%- endif %}
    {%- endfor %}
    coalesce(cells.suppressed_columns, '[]'::jsonb) as suppressed_columns
from {{ exact }} as exact
left join {{ cells }} as cells
    on
        cells.table_name = '{{ table_name }}'
        and cells.period_start = exact.{{ period_column }}
        {%- for dimension in grain if dimension != period_column %}
        and cells.{{ dimension }} is not distinct from exact.{{ dimension }}
        {%- endfor %}
{%- endmacro %}
