{#- Every staff member's newest version, deleted ones included: deleting a
    reference row deletes no facts, so a deleted doctor's appointments keep
    their department and specialty. -#}

with

staff as (

    select
        id,
        department_id,
        role,
        specialty
    from {{ ref('stg_hospital_staff') }}

),

final as (

    select
        id as staff_id,
        department_id,
        role,
        specialty
    from staff

)

select * from final
