{#-
    Models land in exactly the schema their folder names (staging, intermediate,
    analytics, snapshots), never prefixed with the target schema: analysts and
    the Python assets address the same names in every environment. A node
    without a custom schema falls back to the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
