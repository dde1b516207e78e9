{#- Live appointments (not deleted, nor their patient), newest version, with
    their UTC days. -#}

with

appointments as (

    select
        id,
        patient_key,
        doctor_id,
        department_id,
        booked_at,
        scheduled_start,
        checked_in_at,
        started_at,
        ended_at,
        status,
        age_band,
        sex
    from {{ ref('stg_hospital_appointments') }}
    where not is_deleted

),

final as (

    select
        id as appointment_id,
        patient_key,
        doctor_id,
        department_id,
        booked_at,
        {{ hospital_day('booked_at') }} as booked_day,
        scheduled_start,
        {{ hospital_day('scheduled_start') }} as scheduled_day,
        checked_in_at,
        started_at,
        ended_at,
        status,
        age_band,
        sex
    from appointments

)

select * from final
