{#- The newest version of each patient: the keyed pseudonym instead of the
    id, the age band at registration instead of the date of birth, no name,
    contact or MRN; its deletion marked. -#}

with

source as (

    select
        id,
        date_of_birth,
        sex,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_patients') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

final as (

    select
        security.pseudonym(patient.id::text) as patient_key,
        coalesce(patient.sex, 'unknown') as sex,
        patient.created_at,
        patient.updated_at,
        patient.deleted_at,
        {{ hospital_age_band('patient.date_of_birth', hospital_day('patient.created_at')) }}
            as age_band,
        {{ hospital_row_deleted('patients', 'patient') }} as is_deleted,
        patient._ingested_at,
        patient._batch_id
    from newest_version as patient

)

select * from final
