{#-
    The records behind each QMS table (qms_kpi_records), one macro per
    table, each a select for the days of the CTE `days` with the columns
    (table_name, metric_date, department_id, module, test_code,
    mitigation_status, kpi, record_type, record_id, value). A record gives
    one row per kpi it counts in (`kpi.applies` of a lateral values list);
    docs/metrics.md, "Quality management pack", defines each kpi.
-#}


{#- The leading columns of a record row. -#}
{% macro _qms_record_scope(table_name, metric_date, department_id='null::text', module='null::text',
    test_code='null::text', mitigation_status='null::text') -%}
        '{{ table_name }}'::text as table_name,
        {{ metric_date }} as metric_date,
        {{ department_id }} as department_id,
        {{ module }} as module,
        {{ test_code }} as test_code,
        {{ mitigation_status }} as mitigation_status
{%- endmacro %}


{#- The start of a day (00:00 UTC) as an instant. -#}
{% macro _qms_start_of(day) -%}
    ({{ day }})::timestamp at time zone 'UTC'
{%- endmacro %}


{#- quality_kpis: stocks at the end of each day, the day's openings and
    closures, and repeat deviations. An event matters on day d when it was
    opened by the end of d and not closed before d started. -#}
{% macro qms_quality_event_records() -%}
    select
        {{ _qms_record_scope('quality_kpis', 'days.day', 'events.department_id', 'events.module') }},
        kpi.name as kpi,
        'quality_event'::text as record_type,
        events.event_id as record_id,
        kpi.value
    from days
    inner join (
        select
            event.*,
            {{ qms_day('event.opened_at') }} as opened_date,
            {{ qms_day('event.closed_at') }} as closed_date,
            {{ qms_days_between('event.opened_at', 'event.closed_at') }} as days_to_close,
            case event.event_type
                when 'DEVIATION' then 'deviations'
                when 'CAPA' then 'capas'
                when 'COMPLAINT' then 'complaints'
                when 'AUDIT_FINDING' then 'audit_findings'
                when 'CHANGE_CONTROL' then 'change_controls'
            end as type_plural,
            (
                event.event_type = 'DEVIATION'
                and event.root_cause is not null
                and exists (
                    select 1
                    from {{ ref('stg_qms_quality_events') }} as earlier
                    where earlier.event_type = 'DEVIATION'
                        and earlier.department_id = event.department_id
                        and earlier.root_cause = event.root_cause
                        and earlier.event_id <> event.event_id
                        and earlier.opened_at >= event.opened_at - interval '90 days'
                        and (
                            earlier.opened_at < event.opened_at
                            or (earlier.opened_at = event.opened_at and earlier.event_id < event.event_id)
                        )
                )
            ) as is_repeat
        from {{ ref('stg_qms_quality_events') }} as event
    ) as events
        on events.opened_at < {{ qms_end_of('days.day') }}
        and (events.closed_at is null or events.closed_at >= {{ _qms_start_of('days.day') }})
    cross join lateral (
        select
            events.closed_at is null or events.closed_at >= {{ qms_end_of('days.day') }} as is_open,
            events.status = 'CLOSED' and events.closed_date = days.day as closed_today
    ) as state
    cross join lateral (
        values
            ('open_events', state.is_open, null::numeric),
            ('open_' || events.type_plural, state.is_open, null),
            ('open_' || lower(events.severity), state.is_open, null),
            (
                'overdue_capas',
                state.is_open and events.event_type = 'CAPA' and events.due_date <= days.day,
                (days.day - events.due_date + 1)::numeric
            ),
            ('opened_events', events.opened_date = days.day, null),
            ('closed_events', state.closed_today, events.days_to_close),
            ('days_to_close_' || lower(events.severity), state.closed_today, events.days_to_close),
            (
                'capas_closed',
                state.closed_today and events.event_type = 'CAPA' and events.due_date is not null,
                null
            ),
            (
                'capas_closed_on_time',
                state.closed_today and events.event_type = 'CAPA' and events.closed_date <= events.due_date,
                null
            ),
            ('repeat_deviations', events.opened_date = days.day and events.is_repeat, null)
    ) as kpi (name, applies, value)
    where kpi.applies
{%- endmacro %}


{#- training_compliance (and training_overdue): an assignment matters on day
    d when it was assigned by the end of d and was not completed before d
    started, or is due within d - 89 .. d. -#}
{% macro qms_training_records() -%}
    select
        {{ _qms_record_scope('training_compliance', 'days.day', 'assignments.department_id') }},
        kpi.name as kpi,
        'training_assignment'::text as record_type,
        assignments.assignment_id as record_id,
        kpi.value
    from days
    inner join {{ ref('int_qms_training_assignments') }} as assignments
        on assignments.assigned_at < {{ qms_end_of('days.day') }}
        and (
            assignments.completed_at is null
            or assignments.completed_at >= {{ _qms_start_of('days.day') }}
            or assignments.due_date >= days.day - 89
        )
    cross join lateral (
        select
            {{ qms_day('assignments.completed_at') }} = days.day as completed_today,
            assignments.completed_at < {{ qms_end_of('assignments.due_date') }} as on_time,
            assignments.due_date between days.day - 89 and days.day as due_in_90d
    ) as state
    cross join lateral (
        values
            ('assigned', {{ qms_day('assignments.assigned_at') }} = days.day, null::numeric),
            ('completed', state.completed_today, null),
            ('completed_on_time', state.completed_today and state.on_time, null),
            ('score', state.completed_today and assignments.score is not null, assignments.score),
            (
                'overdue',
                (assignments.completed_at is null or assignments.completed_at >= {{ qms_end_of('days.day') }})
                and assignments.due_date <= days.day,
                (days.day - assignments.due_date + 1)::numeric
            ),
            ('due_90d', state.due_in_90d, null),
            ('compliant_90d', state.due_in_90d and coalesce(state.on_time, false), null)
    ) as kpi (name, applies, value)
    where kpi.applies
{%- endmacro %}


{#- document_control: documents by their current version's state at the end
    of each day, those past their periodic review, and the versions approved
    that day. -#}
{% macro qms_document_records() -%}
    select
        {{ _qms_record_scope('document_control', 'current_versions.day', 'documents.department_id') }},
        kpi.name as kpi,
        'document'::text as record_type,
        current_versions.document_id as record_id,
        null::numeric as value
    from (
        select distinct on (states.document_id, days.day)
            days.day,
            states.document_id,
            states.status
        from days
        inner join {{ ref('int_qms_document_version_states') }} as states
            on {{ qms_in_effect_at_end_of('states', 'days.day') }}
        order by states.document_id, days.day, states.version_number desc, states.version_id desc
    ) as current_versions
    inner join {{ ref('stg_qms_documents') }} as documents
        on current_versions.document_id = documents.document_id
    cross join lateral (
        values ('documents'), ('documents_' || lower(current_versions.status))
    ) as kpi (name)
    union all
    select
        {{ _qms_record_scope('document_control', 'effective_versions.day', 'documents.department_id') }},
        'past_periodic_review' as kpi,
        'document'::text as record_type,
        effective_versions.document_id as record_id,
        null::numeric as value
    from (
        select distinct on (states.document_id, days.day)
            days.day,
            states.document_id,
            states.periodic_review_due
        from days
        inner join {{ ref('int_qms_document_version_states') }} as states
            on {{ qms_in_effect_at_end_of('states', 'days.day') }}
            and states.status = 'EFFECTIVE'
        order by states.document_id, days.day, states.version_number desc, states.version_id desc
    ) as effective_versions
    inner join {{ ref('stg_qms_documents') }} as documents
        on effective_versions.document_id = documents.document_id
    where effective_versions.periodic_review_due <= effective_versions.day
    union all
    select
        {{ _qms_record_scope('document_control', qms_day('approvals.approved_at'), 'approvals.department_id') }},
        'reviews_completed' as kpi,
        'document_version'::text as record_type,
        approvals.version_id as record_id,
        approvals.review_cycle_days as value
    from {{ ref('int_qms_version_approvals') }} as approvals
    where {{ qms_day('approvals.approved_at') }} in (select day from days)
{%- endmacro %}


{#- lab_quality: the results reported each day (newest versions) and their
    distinct samples. -#}
{% macro qms_lab_records() -%}
    select
        {{ _qms_record_scope('lab_quality', 'results.metric_date', test_code='results.test_code') }},
        kpi.name as kpi,
        kpi.record_type,
        kpi.record_id,
        kpi.value
    from (
        select
            result.result_id,
            result.sample_id,
            result.test_code,
            result.result_value,
            result.oos_flag,
            {{ qms_day('result.resulted_at') }} as metric_date,
            coalesce(result.result_value < result.spec_lower, false)
            or coalesce(result.result_value > result.spec_upper, false) as is_oos,
            trim_scale(extract(epoch from result.resulted_at - sample.received_at) / 3600) as turnaround_hours
        from {{ ref('stg_qms_lab_results') }} as result
        left join {{ ref('stg_qms_lab_samples') }} as sample
            on result.sample_id = sample.sample_id
        where {{ qms_day('result.resulted_at') }} in (select day from days)
    ) as results
    cross join lateral (
        values
            ('results', 'lab_result', results.result_id, true, null::numeric),
            ('evaluable_results', 'lab_result', results.result_id, results.result_value is not null, null),
            (
                'oos_results', 'lab_result', results.result_id,
                results.result_value is not null and results.is_oos, null
            ),
            (
                'flag_mismatches', 'lab_result', results.result_id,
                results.result_value is not null and results.oos_flag <> results.is_oos, null
            ),
            (
                'turnaround_hours', 'lab_result', results.result_id,
                results.turnaround_hours is not null, results.turnaround_hours
            )
    ) as kpi (name, record_type, record_id, applies, value)
    where kpi.applies
    union all
    select distinct
        {{ _qms_record_scope('lab_quality', qms_day('result.resulted_at'), test_code='result.test_code') }},
        'samples' as kpi,
        'lab_sample'::text as record_type,
        result.sample_id as record_id,
        null::numeric as value
    from {{ ref('stg_qms_lab_results') }} as result
    where {{ qms_day('result.resulted_at') }} in (select day from days)
{%- endmacro %}


{#- risk_register_summary: each risk in the state in effect at the end of
    each day. -#}
{% macro qms_risk_records() -%}
    select
        {{ _qms_record_scope('risk_register_summary', 'days.day', module='states.module',
            mitigation_status='states.mitigation_status') }},
        kpi.name as kpi,
        'risk'::text as record_type,
        states.risk_id as record_id,
        kpi.value
    from days
    inner join {{ ref('int_qms_risk_states') }} as states
        on {{ qms_in_effect_at_end_of('states', 'days.day') }}
    cross join lateral (
        values
            ('risks', true, states.rpn::numeric),
            ('high_priority_risks', states.rpn >= 100, null)
    ) as kpi (name, applies, value)
    where kpi.applies
{%- endmacro %}
