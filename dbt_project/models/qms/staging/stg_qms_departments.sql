{#- The newest version of each department (qms_departments). -#}

{{ qms_newest_versions('departments', 'department_id', [
    'name', 'created_at', 'deleted_at'
]) }}
