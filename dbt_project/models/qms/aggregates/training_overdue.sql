{{
    config(
        meta={'partition_column': 'as_of_date'},
        pre_hook="{{ qms_delete_recomputed('as_of_date') }}",
        indexes=[{'columns': ['as_of_date', 'user_id']}],
    )
}}

{#- The overdue training list per as-of date (docs/metrics.md,
    "training_overdue"): the `overdue` records of training_compliance, one
    row per assignment, with what an analyst filters on. -#}

with

days as (

    {{ qms_recompute_days() }}

),

overdue as (

    select
        metric_date,
        record_id,
        value
    from {{ ref('qms_kpi_records') }}
    where table_name = 'training_compliance'
        and kpi = 'overdue'
        and metric_date in (select day from days)

),

final as (

    select
        overdue.metric_date as as_of_date,
        assignments.department_id,
        assignments.user_id,
        assignments.assignment_id,
        assignments.course_id,
        assignments.document_version_id,
        assignments.assigned_at,
        assignments.due_date,
        overdue.value::integer as days_overdue
    from overdue
    inner join {{ ref('int_qms_training_assignments') }} as assignments
        on overdue.record_id = assignments.assignment_id

)

select * from final
