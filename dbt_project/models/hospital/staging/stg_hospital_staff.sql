{#- The newest version of each staff member, without name and e-mail
    (they never leave raw), its deletion marked. -#}

with

source as (

    select
        id,
        department_id,
        role,
        specialty,
        hired_at,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_staff') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

final as (

    select
        staff.id,
        staff.department_id,
        staff.role,
        staff.specialty,
        staff.hired_at,
        staff.created_at,
        staff.updated_at,
        staff.deleted_at,
        {{ hospital_row_deleted('staff', 'staff') }} as is_deleted,
        staff._ingested_at,
        staff._batch_id
    from newest_version as staff

)

select * from final
