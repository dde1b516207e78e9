{#-
    Tenant isolation of the published tables (schema analytics): row-level
    security, enabled and forced, so that the reader role sees only the rows
    of the workspace its session names in `app.workspace_id` (`*`: every
    workspace), while the transformer (dbt, the Python assets) reads and
    writes every row. The function security.isolate_workspaces(regclass) is
    installed by the warehouse bootstrap (analytics_pipeline.warehouse.provision)
    and is a no-op for tables without a workspace_id column.

    Called as a post-hook of every aggregate and mart, inside the model's
    transaction: a rebuilt table is never visible without its policies.
    The on-run-end call covers anything else in the schema.
-#}
{% macro isolate_workspaces() -%}
    {%- if this is not none and model.config.materialized in ('table', 'incremental', 'view') -%}
        select security.isolate_workspaces('{{ this }}'::regclass)
    {%- endif -%}
{%- endmacro %}


{% macro isolate_published_schema() -%}
    select security.isolate_workspaces_in('{{ generate_schema_name("analytics", none) }}')
{%- endmacro %}
