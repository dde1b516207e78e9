{#- The newest version of each department, its deletion marked. -#}

{{ hospital_staged_rows('departments', [
    'code', 'name', 'created_at', 'updated_at', 'deleted_at'
]) }}
