{#- The newest version of each sample (qms_lab_samples). -#}

{{ qms_newest_versions('lab_samples', 'sample_id', [
    'department_id', 'sample_type', 'received_at'
]) }}
