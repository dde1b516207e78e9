{#-
    The QMS KPIs of analytics_metrics (docs/metrics.md, "QMS KPIs in
    analytics_metrics"): one definition per measure of the five daily
    tables, and the scope columns each table's rows fill.
-#}


{#- The five tables: (table, scope columns of its rows as SQL over the
    table's alias `t`: workspace_id, department_id, module_name,
    entity_type, entity_id). -#}
{% macro qms_kpi_tables() -%}
    {{ return({
        'quality_kpis': {
            'scope': ['department_id', 'module'],
            'columns': ['t.department_id', 't.department_id', 't.module', 'null', 'null'],
            'data_source': 'raw.qms_quality_events',
        },
        'training_compliance': {
            'scope': ['department_id'],
            'columns': ['t.department_id', 't.department_id', "'tms'", 'null', 'null'],
            'data_source': 'raw.qms_training_assignments, raw.qms_users',
        },
        'document_control': {
            'scope': ['department_id'],
            'columns': ['t.department_id', 't.department_id', "'edms'", 'null', 'null'],
            'data_source': 'raw.qms_documents, raw.qms_document_versions (every version), raw.qms_document_review_steps',
        },
        'lab_quality': {
            'scope': ['test_code'],
            'columns': ['null', 'null', "'lims'", "'lab_test'", 't.test_code'],
            'data_source': 'raw.qms_lab_results, raw.qms_lab_samples',
        },
        'risk_register_summary': {
            'scope': ['module', 'mitigation_status'],
            'columns': ['null', 'null', 't.module', "'mitigation_status'", 't.mitigation_status'],
            'data_source': 'raw.qms_risk_assessments (every version)',
        },
    }) }}
{%- endmacro %}


{#- (column, table, metric_type, category, subcategory, unit, calculation method). -#}
{% macro qms_kpi_definitions() -%}
    {%- set open = 'quality events opened by the end of the day and not closed by then' -%}
    {%- set definitions = [
        ('open_events', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open),
        ('open_deviations', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open ~ ' of type DEVIATION'),
        ('open_capas', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open ~ ' of type CAPA'),
        ('open_complaints', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open ~ ' of type COMPLAINT'),
        ('open_audit_findings', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open ~ ' of type AUDIT_FINDING'),
        ('open_change_controls', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open ~ ' of type CHANGE_CONTROL'),
        ('open_critical', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open ~ ' of severity CRITICAL'),
        ('open_major', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open ~ ' of severity MAJOR'),
        ('open_minor', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of ' ~ open ~ ' of severity MINOR'),
        ('opened_events', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of quality events with opened_at on the day'),
        ('closed_events', 'quality_kpis', 'count', 'quality', 'quality_events', 'count', 'count of quality events with status CLOSED and closed_at on the day'),
        ('mean_days_to_close_critical', 'quality_kpis', 'average', 'quality', 'quality_events', 'days', 'mean of (closed_at - opened_at) in days over the CRITICAL events closed on the day'),
        ('mean_days_to_close_major', 'quality_kpis', 'average', 'quality', 'quality_events', 'days', 'mean of (closed_at - opened_at) in days over the MAJOR events closed on the day'),
        ('mean_days_to_close_minor', 'quality_kpis', 'average', 'quality', 'quality_events', 'days', 'mean of (closed_at - opened_at) in days over the MINOR events closed on the day'),
        ('p90_days_to_close_critical', 'quality_kpis', 'percentile', 'quality', 'quality_events', 'days', 'percentile_cont(0.9) of (closed_at - opened_at) in days over the CRITICAL events closed on the day'),
        ('p90_days_to_close_major', 'quality_kpis', 'percentile', 'quality', 'quality_events', 'days', 'percentile_cont(0.9) of (closed_at - opened_at) in days over the MAJOR events closed on the day'),
        ('p90_days_to_close_minor', 'quality_kpis', 'percentile', 'quality', 'quality_events', 'days', 'percentile_cont(0.9) of (closed_at - opened_at) in days over the MINOR events closed on the day'),
        ('capas_closed', 'quality_kpis', 'count', 'quality', 'capa', 'count', 'count of CAPAs with a due_date, status CLOSED and closed_at on the day'),
        ('capas_closed_on_time', 'quality_kpis', 'count', 'quality', 'capa', 'count', 'count of CAPAs with a due_date, status CLOSED and closed_at on the day, closed on or before their due_date'),
        ('capa_on_time_closure_rate', 'quality_kpis', 'ratio', 'compliance', 'capa', 'ratio', 'capas_closed_on_time / capas_closed of the day, null when none closed'),
        ('overdue_capas', 'quality_kpis', 'count', 'quality', 'capa', 'count', 'count of CAPAs open at the end of the day with due_date on or before the day'),
        ('repeat_deviations', 'quality_kpis', 'count', 'quality', 'deviations', 'count', 'count of deviations opened on the day whose root_cause a deviation of the same department had in the 90 days before'),
        ('assigned', 'training_compliance', 'count', 'training', 'assignments', 'count', 'count of training assignments (not cancelled) with assigned_at on the day'),
        ('completed', 'training_compliance', 'count', 'training', 'assignments', 'count', 'count of training assignments (not cancelled) with completed_at on the day'),
        ('completed_on_time', 'training_compliance', 'count', 'training', 'assignments', 'count', 'count of training assignments (not cancelled) completed on the day on or before their due_date'),
        ('overdue', 'training_compliance', 'count', 'training', 'assignments', 'count', 'count of training assignments not completed by the end of the day with due_date on or before the day'),
        ('compliance_rate', 'training_compliance', 'ratio', 'compliance', 'training', 'ratio', 'of the assignments (not cancelled) assigned by the end of the day and due in the 90 days ending it, the fraction completed on or before their due_date; null when none is due'),
        ('average_score', 'training_compliance', 'average', 'training', 'assessment', 'score', 'mean score of the training assignments completed on the day with a score'),
        ('documents', 'document_control', 'count', 'documents', 'lifecycle', 'count', 'count of documents with a version existing at the end of the day'),
        ('documents_draft', 'document_control', 'count', 'documents', 'lifecycle', 'count', 'count of documents whose current version is DRAFT at the end of the day'),
        ('documents_in_review', 'document_control', 'count', 'documents', 'lifecycle', 'count', 'count of documents whose current version is IN_REVIEW at the end of the day'),
        ('documents_approved', 'document_control', 'count', 'documents', 'lifecycle', 'count', 'count of documents whose current version is APPROVED at the end of the day'),
        ('documents_effective', 'document_control', 'count', 'documents', 'lifecycle', 'count', 'count of documents whose current version is EFFECTIVE at the end of the day'),
        ('documents_obsolete', 'document_control', 'count', 'documents', 'lifecycle', 'count', 'count of documents whose current version is OBSOLETE at the end of the day'),
        ('past_periodic_review', 'document_control', 'count', 'compliance', 'periodic_review', 'count', 'count of documents whose effective version at the end of the day has periodic_review_due on or before the day'),
        ('reviews_completed', 'document_control', 'count', 'documents', 'review', 'count', 'count of document versions whose approval (latest APPROVED approval step) completed on the day'),
        ('review_cycle_days_p50', 'document_control', 'percentile', 'documents', 'review', 'days', 'percentile_cont(0.5) of (approval - first step assigned_at) in days of the versions approved on the day'),
        ('review_cycle_days_p90', 'document_control', 'percentile', 'documents', 'review', 'days', 'percentile_cont(0.9) of (approval - first step assigned_at) in days of the versions approved on the day'),
        ('results', 'lab_quality', 'count', 'quality', 'lab', 'count', 'count of results with resulted_at on the day'),
        ('samples', 'lab_quality', 'count', 'quality', 'lab', 'count', 'count of distinct samples of the results with resulted_at on the day'),
        ('oos_results', 'lab_quality', 'count', 'quality', 'lab', 'count', 'count of results with resulted_at on the day whose result_value is below spec_lower or above spec_upper'),
        ('oos_rate', 'lab_quality', 'ratio', 'quality', 'lab', 'ratio', 'oos_results / results with a result_value on the day, null when none has a value'),
        ('flag_mismatches', 'lab_quality', 'count', 'quality', 'lab', 'count', 'count of results with resulted_at on the day and a result_value whose oos_flag differs from the limits'),
        ('turnaround_p50_hours', 'lab_quality', 'percentile', 'quality', 'lab', 'hours', 'percentile_cont(0.5) of (resulted_at - sample received_at) in hours of the results on the day'),
        ('turnaround_p90_hours', 'lab_quality', 'percentile', 'quality', 'lab', 'hours', 'percentile_cont(0.9) of (resulted_at - sample received_at) in hours of the results on the day'),
        ('risks', 'risk_register_summary', 'count', 'organizational', 'risk', 'count', 'count of risks in the module and mitigation status at the end of the day (version in effect)'),
        ('mean_rpn', 'risk_register_summary', 'average', 'organizational', 'risk', 'score', 'mean of severity x probability x detectability of the risks in the module and mitigation status at the end of the day'),
        ('max_rpn', 'risk_register_summary', 'maximum', 'organizational', 'risk', 'score', 'maximum of severity x probability x detectability of the risks in the module and mitigation status at the end of the day'),
        ('high_priority_risks', 'risk_register_summary', 'count', 'organizational', 'risk', 'count', 'count of the risks in the module and mitigation status at the end of the day with severity x probability x detectability of 100 or more'),
    ] -%}
    {{ return(definitions) }}
{%- endmacro %}


{#- The categories of the QMS KPIs (analytics_metrics replaces their rows). -#}
{% macro qms_kpi_categories() -%}
    {%- set categories = [] -%}
    {%- for definition in qms_kpi_definitions() if definition[3] not in categories -%}
        {%- do categories.append(definition[3]) -%}
    {%- endfor -%}
    {{ return(categories) }}
{%- endmacro %}


{#- The scope columns of a QMS KPI row, in the order of qms_kpi_tables()'s
    `columns`. -#}
{% macro qms_kpi_scope_columns() -%}
    {{ return(['workspace_id', 'department_id', 'module_name', 'entity_type', 'entity_id']) }}
{%- endmacro %}


{#- A select of the KPI definitions: (metric_name, metric_type, category,
    metric_subcategory, unit, calculation_method), metric_name prefixed qms_. -#}
{% macro qms_kpi_definitions_select() -%}
    select
        definition.metric_name,
        definition.metric_type,
        definition.category,
        definition.metric_subcategory,
        definition.unit,
        definition.calculation_method
    from (
        values
        {%- for column, _table, metric_type, category, subcategory, unit, method in qms_kpi_definitions() %}
            ('qms_{{ column }}', '{{ metric_type }}', '{{ category }}', '{{ subcategory }}', '{{ unit }}', '{{ method }}')
            {{- ',' if not loop.last }}
        {%- endfor %}
    ) as definition (metric_name, metric_type, category, metric_subcategory, unit, calculation_method)
{%- endmacro %}


{#- `cross join lateral` giving each row of `table_name` (alias `alias`) once
    per KPI measure of it: kpi.metric_name (qms_<column>) and kpi.value. -#}
{% macro qms_kpi_cells(table_name, alias) -%}
    cross join lateral (
        values
        {%- for definition in qms_kpi_definitions() if definition[1] == table_name %}
            ('qms_{{ definition[0] }}', {{ alias }}.{{ definition[0] }}::numeric)
            {{- ',' if not loop.last }}
        {%- endfor %}
    ) as kpi (metric_name, value)
{%- endmacro %}
