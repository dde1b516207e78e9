{#- The status history of document versions: every version of each
    qms_document_versions row with its validity interval (the state in
    effect at the end of a day is the one valid then). -#}

{{ qms_version_history('document_versions', 'version_id', [
    'document_id', 'version_number', 'status', 'effective_date', 'periodic_review_due'
]) }}
