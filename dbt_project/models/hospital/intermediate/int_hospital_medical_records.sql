{#- Live medical records (not deleted, nor their patient), newest version:
    finalized_at only when the newest status is finalized. -#}

with

records as (

    select
        id,
        patient_key,
        doctor_id,
        status,
        created_at,
        case when status = 'finalized' then finalized_at end as finalized_at
    from {{ ref('stg_hospital_medical_records') }}
    where not is_deleted

),

final as (

    select
        id as record_id,
        patient_key,
        doctor_id,
        status,
        created_at,
        {{ hospital_day('created_at') }} as created_day,
        finalized_at,
        {{ hospital_day('finalized_at') }} as finalized_day
    from records

)

select * from final
