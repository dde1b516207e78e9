{#- The newest version of each document (qms_documents). -#}

{{ qms_newest_versions('documents', 'document_id', [
    'document_number', 'document_type', 'department_id', 'owner_user_id', 'created_at'
]) }}
