{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ qms_delete_recomputed() }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

{#- Controlled documents per department and day (docs/metrics.md,
    "document_control"): counts of the records in qms_kpi_records. -#}

{%- set statuses = ['draft', 'in_review', 'approved', 'effective', 'obsolete'] %}

with

days as (

    {{ qms_recompute_days() }}

),

first_days as (

    select
        documents.department_id,
        min({{ qms_day('states.valid_from') }}) as first_day
    from {{ ref('int_qms_document_version_states') }} as states
    inner join {{ ref('stg_qms_documents') }} as documents
        on states.document_id = documents.document_id
    group by documents.department_id

),

spine as (

    {{ qms_scope_days('select department_id, first_day from first_days', ['department_id']) }}

),

records as (

    {{ qms_table_records('document_control', ['department_id']) }}

),

figures as (

    select
        department_id,
        metric_date,
        {{ qms_count('documents') }} as documents,
        {%- for status in statuses %}
        {{ qms_count('documents_' ~ status) }} as documents_{{ status }},
        {%- endfor %}
        {{ qms_count('past_periodic_review') }} as past_periodic_review,
        {{ qms_count('reviews_completed') }} as reviews_completed,
        (percentile_cont(0.5) within group (order by value) filter (
            where kpi = 'reviews_completed'
        ))::numeric as review_cycle_days_p50,
        (percentile_cont(0.9) within group (order by value) filter (
            where kpi = 'reviews_completed'
        ))::numeric as review_cycle_days_p90
    from records
    group by department_id, metric_date

),

final as (

    select  -- noqa: ST06
        spine.department_id,
        spine.metric_date,
        coalesce(figures.documents, 0) as documents,
        {%- for status in statuses %}
        coalesce(figures.documents_{{ status }}, 0) as documents_{{ status }},
        {%- endfor %}
        coalesce(figures.past_periodic_review, 0) as past_periodic_review,
        coalesce(figures.reviews_completed, 0) as reviews_completed,
        figures.review_cycle_days_p50,
        figures.review_cycle_days_p90
    from spine
    left join figures
        on spine.department_id = figures.department_id
        and spine.metric_date = figures.metric_date

)

select * from final
