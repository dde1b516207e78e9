{#- The newest version of each lab test: the patient's pseudonym, age band
    at the order day and sex instead of the patient, no result value nor
    text; its deletion marked (its own, or its patient's). -#}

{{ hospital_staged_rows('lab_tests', [
    'ordered_by', 'appointment_id', 'test_type', 'status', 'ordered_at', 'collected_at',
    'resulted_at', 'is_abnormal', 'created_at', 'updated_at', 'deleted_at'
], event_column='ordered_at') }}
