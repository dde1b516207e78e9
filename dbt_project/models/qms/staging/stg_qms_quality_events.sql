{#- The newest version of each event (qms_quality_events). -#}

{{ qms_newest_versions('quality_events', 'event_id', [
    'event_type', 'severity', 'module', 'department_id', 'root_cause', 'related_event_id',
    'owner_user_id', 'status', 'opened_at', 'due_date', 'closed_at'
]) }}
