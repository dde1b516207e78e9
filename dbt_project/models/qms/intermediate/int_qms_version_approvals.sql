{#- Each approved document version: its approval (the latest completed_at
    of its APPROVAL steps with decision APPROVED, newest step versions), the
    start of its review cycle (the earliest assigned_at of all its steps)
    and its document's department. Versions of a document not in
    qms_documents are left out (no department). -#}

with

steps as (

    select
        version_id,
        step_type,
        assigned_at,
        completed_at,
        decision
    from {{ ref('stg_qms_document_review_steps') }}

),

cycles as (

    select
        version_id,
        min(assigned_at) as cycle_started_at,
        max(completed_at) filter (
            where step_type = 'APPROVAL' and decision = 'APPROVED'
        ) as approved_at
    from steps
    group by version_id

),

versions as (

    select
        version_id,
        document_id
    from {{ ref('stg_qms_document_versions') }}

),

documents as (

    select
        document_id,
        department_id
    from {{ ref('stg_qms_documents') }}

),

final as (

    select
        cycles.version_id,
        versions.document_id,
        documents.department_id,
        cycles.cycle_started_at,
        cycles.approved_at,
        {{ qms_days_between('cycles.cycle_started_at', 'cycles.approved_at') }} as review_cycle_days
    from cycles
    inner join versions
        on cycles.version_id = versions.version_id
    inner join documents
        on versions.document_id = documents.document_id
    where cycles.approved_at is not null

)

select * from final
