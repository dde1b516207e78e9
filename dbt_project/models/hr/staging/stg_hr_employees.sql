{#- The newest version of each key (a small dimension: rebuilt whole). -#}

with

source as (

    select
        employee_id,
        organization_id,
        department_id,
        branch_id,
        job_role,
        status,
        applied_at,
        hired_at,
        rejected_at,
        terminated_at,
        created_at,
        updated_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_employees') }}

),

newest_version as (

    {{ latest_per_key('source', ['employee_id'], version_column='updated_at') }}

),

final as (

    select
        employee_id,
        organization_id,
        department_id,
        branch_id,
        job_role,
        status,
        applied_at,
        hired_at,
        rejected_at,
        terminated_at,
        created_at,
        updated_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
