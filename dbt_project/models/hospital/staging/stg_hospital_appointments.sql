{#- The newest version of each appointment: the patient's pseudonym, age
    band at the scheduled day and sex instead of the patient, no notes; its
    deletion marked (its own, or its patient's). -#}

with

source as (

    select
        id,
        patient_id,
        doctor_id,
        department_id,
        booked_at,
        scheduled_start,
        scheduled_minutes,
        checked_in_at,
        started_at,
        ended_at,
        status,
        cancelled_at,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_appointments') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

patients as (

    {{ hospital_patient_lookup() }}

),

final as (

    select
        appointment.id,
        appointment.doctor_id,
        appointment.department_id,
        appointment.booked_at,
        appointment.scheduled_start,
        appointment.scheduled_minutes,
        appointment.checked_in_at,
        appointment.started_at,
        appointment.ended_at,
        appointment.status,
        appointment.cancelled_at,
        appointment.created_at,
        appointment.updated_at,
        appointment.deleted_at,
        {{ hospital_patient_columns('appointment', 'scheduled_start') }},
        {{ hospital_row_deleted('appointments', 'appointment') }}
        or coalesce(patient.is_deleted, false) as is_deleted,
        appointment._ingested_at,
        appointment._batch_id
    from newest_version as appointment
    left join patients as patient on appointment.patient_id = patient.id

)

select * from final
