{#- The risk register's history: every version of each risk assessment with
    its validity interval and risk priority number (severity x probability
    x detectability). -#}

with

history as (

    {{ qms_version_history('risk_assessments', 'risk_id', [
        'module', 'department_id', 'severity', 'probability', 'detectability', 'mitigation_status'
    ]) }}

),

final as (

    select  -- noqa: ST06
        risk_id,
        module,
        department_id,
        severity,
        probability,
        detectability,
        mitigation_status,
        severity * probability * detectability as rpn,
        valid_from,
        valid_to
    from history

)

select * from final
