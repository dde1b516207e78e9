{#- The newest version of each invoice: the patient's pseudonym, age band at
    the issue day and sex instead of the patient; its deletion marked (its
    own, or its patient's). -#}

{{ hospital_staged_rows('invoices', [
    'appointment_id', 'department_id', 'issued_at', 'due_at', 'amount', 'currency', 'status',
    'created_at', 'updated_at', 'deleted_at'
], event_column='issued_at') }}
