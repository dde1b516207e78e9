{#- Training assignments that count (not CANCELLED, newest version), with
    the department of their user (newest qms_users version; 'unassigned'
    when the user is not in qms_users). -#}

with

assignments as (

    select
        assignment_id,
        user_id,
        course_id,
        document_version_id,
        assigned_at,
        due_date,
        completed_at,
        score
    from {{ ref('stg_qms_training_assignments') }}
    where status <> 'CANCELLED'

),

users as (

    select
        user_id,
        department_id
    from {{ ref('stg_qms_users') }}

),

final as (

    select  -- noqa: ST06
        assignments.assignment_id,
        coalesce(users.department_id, 'unassigned') as department_id,
        assignments.user_id,
        assignments.course_id,
        assignments.document_version_id,
        assignments.assigned_at,
        assignments.due_date,
        assignments.completed_at,
        assignments.score
    from assignments
    left join users
        on assignments.user_id = users.user_id

)

select * from final
