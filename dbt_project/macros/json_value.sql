{#-
    A typed value of key `key` of the jsonb column `column`: `json_type` is
    'string' (-> text), 'number' (-> numeric) or 'boolean' (-> boolean). A
    missing key, a JSON null or a value of another JSON type gives null, so a
    stray value never fails a build (ingest already checks the keys it knows).
-#}
{% macro json_value(column, key, json_type) -%}
    {%- set sql_types = {'string': 'text', 'number': 'numeric', 'boolean': 'boolean'} -%}
    {%- if json_type not in sql_types -%}
        {{ exceptions.raise_compiler_error("json_value: unknown json_type " ~ json_type) }}
    {%- endif -%}
    case
        when jsonb_typeof({{ column }} -> '{{ key }}') = '{{ json_type }}'
            then ({{ column }} ->> '{{ key }}')::{{ sql_types[json_type] }}
    end
{%- endmacro %}
