{#- The newest version of each staff member, without name and e-mail
    (they never leave raw), its deletion marked. -#}

{{ hospital_staged_rows('staff', [
    'department_id', 'role', 'specialty', 'hired_at', 'created_at', 'updated_at', 'deleted_at'
]) }}
