{#- The newest version of each step (qms_document_review_steps). -#}

{{ qms_newest_versions('document_review_steps', 'step_id', [
    'version_id', 'step_type', 'assignee_user_id', 'assigned_at', 'completed_at',
    'decision'
]) }}
