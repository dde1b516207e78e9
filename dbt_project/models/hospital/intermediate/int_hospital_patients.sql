{#- Live patients (not deleted), newest version. -#}

with

patients as (

    select
        patient_key,
        sex,
        age_band,
        created_at
    from {{ ref('stg_hospital_patients') }}
    where not is_deleted

),

final as (

    select
        patient_key,
        sex,
        created_at,
        {{ hospital_day('created_at') }} as registration_day,
        age_band
    from patients

)

select * from final
