{#- One as-of date's rows per run: a run replaces its own date's rows and
    keeps the others (docs/metrics.md, hospital_dashboard_metrics). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        meta={'partition_column': 'as_of_date'},
    )
}}

{{ hospital_published(
    'hospital_dashboard_metrics', ['as_of_date', 'department_id', 'metric_name'], 'as_of_date',
    extra_columns=['current_rows', 'previous_rows', 'current_numerator', 'previous_numerator'],
) }}
