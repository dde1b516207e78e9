{#-
    The dedupe rule of the raw contract, as one select over `relation` (a CTE
    or relation carrying the lineage columns _ingested_at and _source_line):
    one row per `key_columns`, the newest by `version_column` (mutable
    sources), then the latest _ingested_at, then the highest _source_line.
    _source_file breaks the last (theoretical) tie so reruns are deterministic.

    PostgreSQL `distinct on` keeps the columns of `relation` as they are (no
    helper rank column to drop) and sorts once.
-#}
{% macro latest_per_key(relation, key_columns, version_column=none) -%}
    {%- if key_columns is string -%}
        {%- set key_columns = [key_columns] -%}
    {%- endif -%}
    {%- set keys = key_columns | join(', ') -%}
    select distinct on ({{ keys }}) *
    from {{ relation }}
    order by
        {{ keys }},
        {%- if version_column %}
        {{ version_column }} desc nulls last,
        {%- endif %}
        _ingested_at desc nulls last,
        _source_line desc nulls last,
        _source_file desc nulls last
{%- endmacro %}
