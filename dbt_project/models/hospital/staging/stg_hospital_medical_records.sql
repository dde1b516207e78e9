{#- The newest version of each medical record: the patient's pseudonym, age
    band at the creation day and sex instead of the patient, no notes nor
    diagnosis code; its deletion marked (its own, or its patient's). -#}

{{ hospital_staged_rows('medical_records', [
    'doctor_id', 'appointment_id', 'record_type', 'status',
    'created_at', 'finalized_at', 'updated_at', 'deleted_at'
], event_column='created_at') }}
