{#- The newest version of each invoice: the patient's pseudonym, age band at
    the issue day and sex instead of the patient; its deletion marked (its
    own, or its patient's). -#}

with

source as (

    select
        id,
        patient_id,
        appointment_id,
        department_id,
        issued_at,
        due_at,
        amount,
        currency,
        status,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_invoices') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

patients as (

    {{ hospital_patient_lookup() }}

),

final as (

    select
        invoice.id,
        invoice.appointment_id,
        invoice.department_id,
        invoice.issued_at,
        invoice.due_at,
        invoice.amount,
        invoice.currency,
        invoice.status,
        invoice.created_at,
        invoice.updated_at,
        invoice.deleted_at,
        {{ hospital_patient_columns('invoice', 'issued_at') }},
        {{ hospital_row_deleted('invoices', 'invoice') }}
        or coalesce(patient.is_deleted, false) as is_deleted,
        invoice._ingested_at,
        invoice._batch_id
    from newest_version as invoice
    left join patients as patient on invoice.patient_id = patient.id

)

select * from final
