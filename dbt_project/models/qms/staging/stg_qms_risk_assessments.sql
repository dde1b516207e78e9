{#- The newest version of each risk (qms_risk_assessments). -#}

{{ qms_newest_versions('risk_assessments', 'risk_id', [
    'module', 'department_id', 'severity', 'probability', 'detectability',
    'mitigation_status', 'assessed_at'
]) }}
