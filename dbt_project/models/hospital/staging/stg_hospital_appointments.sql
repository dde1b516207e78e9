{#- The newest version of each appointment: the patient's pseudonym, age
    band at the scheduled day and sex instead of the patient, no notes; its
    deletion marked (its own, or its patient's). -#}

{{ hospital_staged_rows('appointments', [
    'doctor_id', 'department_id', 'booked_at', 'scheduled_start', 'scheduled_minutes',
    'checked_in_at', 'started_at', 'ended_at', 'status', 'cancelled_at',
    'created_at', 'updated_at', 'deleted_at'
], event_column='scheduled_start') }}
