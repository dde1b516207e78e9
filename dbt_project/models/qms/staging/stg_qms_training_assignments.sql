{#- The newest version of each assignment (qms_training_assignments). -#}

{{ qms_newest_versions('training_assignments', 'assignment_id', [
    'user_id', 'course_id', 'document_version_id', 'status', 'assigned_at', 'due_date',
    'completed_at', 'score'
]) }}
