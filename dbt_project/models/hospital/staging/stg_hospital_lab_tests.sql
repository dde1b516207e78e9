{#- The newest version of each lab test: the patient's pseudonym, age band
    at the order day and sex instead of the patient, no result value nor
    text; its deletion marked (its own, or its patient's). -#}

with

source as (

    select
        id,
        patient_id,
        ordered_by,
        appointment_id,
        test_type,
        status,
        ordered_at,
        collected_at,
        resulted_at,
        is_abnormal,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_lab_tests') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

patients as (

    {{ hospital_patient_lookup() }}

),

final as (

    select
        test.id,
        test.ordered_by,
        test.appointment_id,
        test.test_type,
        test.status,
        test.ordered_at,
        test.collected_at,
        test.resulted_at,
        test.is_abnormal,
        test.created_at,
        test.updated_at,
        test.deleted_at,
        {{ hospital_patient_columns('test', 'ordered_at') }},
        {{ hospital_row_deleted('lab_tests', 'test') }}
        or coalesce(patient.is_deleted, false) as is_deleted,
        test._ingested_at,
        test._batch_id
    from newest_version as test
    left join patients as patient on test.patient_id = patient.id

)

select * from final
