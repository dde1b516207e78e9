{#- The newest version of each user (qms_users). -#}

{{ qms_newest_versions('users', 'user_id', [
    'department_id', 'role', 'created_at', 'deleted_at'
]) }}
