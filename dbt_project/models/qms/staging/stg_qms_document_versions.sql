{#- The newest version of each version (qms_document_versions). -#}

{{ qms_newest_versions('document_versions', 'version_id', [
    'document_id', 'version_number', 'status', 'effective_date', 'periodic_review_due',
    'created_at'
]) }}
