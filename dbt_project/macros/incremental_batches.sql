{#-
    Batch-incremental models: a run reads only the ingest batches it has not
    processed yet, so its cost follows the new data, not the history.

    Every ingested file is one batch (raw._ingest_batches, committed together
    with its rows; raw rows carry _batch_id, and so do the staging rows built
    from them). Each schema keeps a ledger `_processed_batches(model,
    batch_id, is_current)`:

      pre_hook  claim_batches(...)  marks the batches this run takes as
                is_current (on a full build: every available batch, after
                forgetting the model's old claims);
      the model reads rows `where {{ in_claimed_batches() }}` on incremental
                runs (a full build reads everything).

    Hooks run in the model's transaction, so a failed run forgets its claims.
    A batch that commits while a full build runs may be read without being
    claimed; the next run processes it again, which the models' delete+insert
    makes harmless.
-#}


{% macro processed_batches_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier='_processed_batches')) }}
{%- endmacro %}


{#- on-run-start: the ledgers of the schemas holding batch-incremental
    models, created once per run (models building in parallel threads would
    race on `create table if not exists`). -#}
{% macro create_processed_batches_ledgers() -%}
    {%- for schema in ['staging', 'intermediate'] %}
    create schema if not exists {{ adapter.quote(schema) }};
    create table if not exists {{ adapter.quote(schema) }}._processed_batches (
        model       text not null,
        batch_id    text not null,
        is_current  boolean not null,
        primary key (model, batch_id)
    );
    {%- endfor %}
{%- endmacro %}


{#- True on incremental runs of a model with a relation (dbt unit tests
    render models without one). -#}
{% macro batch_incremental() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}


{#- `available_sql`: a select of one text column, the batch ids this model
    may take (e.g. the ledger's batches of one source). -#}
{% macro claim_batches(available_sql) -%}
    {%- set ledger = processed_batches_relation() -%}
    {%- set model = "'" ~ this.identifier ~ "'" -%}
    {% if batch_incremental() -%}
    update {{ ledger }} set is_current = false where model = {{ model }} and is_current;
    {%- else -%}
    delete from {{ ledger }} where model = {{ model }};
    {%- endif %}
    insert into {{ ledger }} (model, batch_id, is_current)
    select distinct {{ model }}, available.batch_id, true
    from ({{ available_sql }}) as available (batch_id)
    where available.batch_id is not null
    on conflict (model, batch_id) do nothing
{%- endmacro %}


{#- pre_hook of a staging model: claim the ledger's new batches of a raw source. -#}
{% macro claim_source_batches(source_name) -%}
    {%- set raw_schema = source('raw', source_name).schema -%}
    {{ claim_batches("select batch_id from " ~ adapter.quote(raw_schema) ~ "._ingest_batches where source = '" ~ source_name ~ "'") }}
{%- endmacro %}


{#- pre_hook of a model downstream of batch-incremental models: claim the
    batches those models (in schema `upstream_schema`) have processed. -#}
{% macro claim_upstream_batches(upstream_models, upstream_schema='staging') -%}
    {%- set ledger = api.Relation.create(database=this.database, schema=upstream_schema, identifier='_processed_batches') -%}
    {%- set names = [] -%}
    {%- for name in upstream_models -%}
        {%- do names.append("'" ~ name ~ "'") -%}
    {%- endfor -%}
    {{ claim_batches("select batch_id from " ~ ledger ~ " where model in (" ~ names | join(', ') ~ ")") }}
{%- endmacro %}


{#- Condition on `column` (a _batch_id): the row belongs to a batch this run claimed. -#}
{% macro in_claimed_batches(column='_batch_id') -%}
    {{ column }} in (
        select batch_id from {{ processed_batches_relation() }}
        where model = '{{ this.identifier }}' and is_current
    )
{%- endmacro %}


{#- Where clause of a batch-incremental staging model's source CTE: on
    incremental runs, every raw version of the keys the claimed batches
    bring (so the dedupe rule still sees older versions). -#}
{% macro rows_of_claimed_keys(source_name, key_column) -%}
    {%- if batch_incremental() -%}
    where {{ key_column }} in (
        select {{ key_column }}
        from {{ source('raw', source_name) }}
        where {{ in_claimed_batches() }}
    )
    {%- endif -%}
{%- endmacro %}


{#- post_hook of an incremental intermediate model: a deletion ingested
    since the last run removes the user's rows from every past day too
    (the model needs `-- depends_on: ref('stg_users')`). -#}
{% macro delete_rows_of_deleted_users() -%}
    {%- if batch_incremental() -%}
    delete from {{ this }}
    where user_id in (select user_id from {{ ref('stg_users') }} where is_deleted)
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
