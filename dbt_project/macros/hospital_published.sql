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
    {%- set inputs = source('hospital', 'suppression_inputs') -%}
    {%- set rule_ran = true -%}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
        {%- set rule_ran = adapter.get_relation(inputs.database, inputs.schema, inputs.identifier) is not none -%}
        {{ _hospital_cells_are_current(table_name, exact, inputs, rule_ran) }}
    {%- endif -%}
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
    {%- if column in grain or not rule_ran %}
    exact.{{ column }},
    {%- else %}
    case when cells.suppressed_columns ? '{{ column }}' then null else exact.{{ column }} end as {{ column }},
    {%- endif %}
    {%- endfor %}
    {%- if not rule_ran %}
    '[]'::jsonb as suppressed_columns
from {{ exact }} as exact  -- no rows: nothing to hide (checked)
    {%- else %}
    coalesce(cells.suppressed_columns, '[]'::jsonb) as suppressed_columns
from {{ exact }} as exact
left join {{ cells }} as cells
    on
        cells.table_name = '{{ table_name }}'
        and cells.period_start = exact.{{ period_column }}
        {%- for dimension in grain if dimension != period_column %}
        and cells.{{ dimension }} is not distinct from exact.{{ dimension }}
        {%- endfor %}
    {%- endif %}
{%- endmacro %}



{#- Fail unless the hidden cells were decided on the exact figures the model
    is about to publish (the same checksum as the small-cell run recorded,
    analytics_pipeline/hospital/suppressed_cells.py): cells of other figures
    could leave a small one shown. -#}
{% macro _hospital_cells_are_current(table_name, exact, inputs, rule_ran) -%}
    {%- if not rule_ran -%}
        {#- Never run (a warehouse without hospital data yet): fine while
            there is nothing to publish. -#}
        {%- set rows = run_query('select count(*) from ' ~ exact).columns[0].values()[0] -%}
        {%- if rows != 0 -%}
            {{ exceptions.raise_compiler_error(
                "the small-cell rule has not run on " ~ exact ~ " (" ~ rows ~ " rows): "
                ~ "materialize hospital/suppressed_cells before the published tables"
            ) }}
        {%- endif -%}
        {{ return('') }}
    {%- endif -%}
    {%- set query -%}
        select
            (select exact_checksum from {{ inputs }} where table_name = '{{ table_name }}'),
            (
                select md5(coalesce(string_agg(exact::text, '|' order by exact::text), ''))
                from {{ exact }} as exact
            )
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] != row[1] -%}
        {{ exceptions.raise_compiler_error(
            "the small cells of " ~ table_name ~ " were not decided on its current exact figures ("
            ~ exact ~ "): materialize hospital/suppressed_cells after the exact figures, then the "
            ~ "published tables (the daily job and `analytics-pipeline materialize` do)"
        ) }}
    {%- endif -%}
{%- endmacro %}
