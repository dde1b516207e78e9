{#- Distinct (patient_key, encounter_day): the days a live patient had an
    encounter (pack rules, "Active patient"): a completed appointment
    scheduled that day, a medical record created that day, or a lab test
    ordered that day that is not cancelled. Registration alone is none. -#}

with

appointments as (

    select
        patient_key,
        scheduled_day as encounter_day
    from {{ ref('int_hospital_appointments') }}
    where status = 'completed'

),

records as (

    select
        patient_key,
        created_day as encounter_day
    from {{ ref('int_hospital_medical_records') }}

),

tests as (

    select
        patient_key,
        ordered_day as encounter_day
    from {{ ref('int_hospital_lab_tests') }}
    where status <> 'cancelled'

),

final as (

    select
        patient_key,
        encounter_day
    from appointments
    union
    select
        patient_key,
        encounter_day
    from records
    union
    select
        patient_key,
        encounter_day
    from tests

)

select * from final
