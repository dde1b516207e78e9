{#- The newest version of each medical record: the patient's pseudonym, age
    band at the creation day and sex instead of the patient, no notes nor
    diagnosis code; its deletion marked (its own, or its patient's). -#}

with

source as (

    select
        id,
        patient_id,
        doctor_id,
        appointment_id,
        record_type,
        status,
        created_at,
        finalized_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_medical_records') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

patients as (

    {{ hospital_patient_lookup() }}

),

final as (

    select
        record.id,
        record.doctor_id,
        record.appointment_id,
        record.record_type,
        record.status,
        record.created_at,
        record.finalized_at,
        record.updated_at,
        record.deleted_at,
        {{ hospital_patient_columns('record', 'created_at') }},
        {{ hospital_row_deleted('medical_records', 'record') }}
        or coalesce(patient.is_deleted, false) as is_deleted,
        record._ingested_at,
        record._batch_id
    from newest_version as record
    left join patients as patient on record.patient_id = patient.id

)

select * from final
