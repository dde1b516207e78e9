{#- The newest version of each result (qms_lab_results). -#}

{{ qms_newest_versions('lab_results', 'result_id', [
    'sample_id', 'test_code', 'result_value', 'spec_lower', 'spec_upper', 'unit',
    'oos_flag', 'resulted_at'
]) }}
