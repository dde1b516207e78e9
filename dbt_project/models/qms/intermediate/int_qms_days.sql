{{
    config(
        pre_hook="{{ record_qms_dirty_days() }}",
        indexes=[{'columns': ['activity_date']}],
    )
}}

{#- The bounds of the QMS's days: (activity_date, kind) with kind 'event'
    for the first day each kind of record starts counting (an event opened,
    a document version's or a risk's first version, an assignment assigned,
    a result reported) and 'updated' for the day of each staged source's
    newest updated_at. The QMS daily models rebuild the days from the first
    of these; without a max_date the as-of date is the last 'updated' day. Its pre_hook records
    the dirty days of new batches (record_qms_dirty_days). -#}

with

event_times as (

    select min(opened_at) as event_at from {{ ref('stg_qms_quality_events') }}
    union all
    select min(valid_from) from {{ ref('int_qms_document_version_states') }}
    union all
    select min(assigned_at) from {{ ref('stg_qms_training_assignments') }}
    union all
    select min(resulted_at) from {{ ref('stg_qms_lab_results') }}
    union all
    select min(valid_from) from {{ ref('int_qms_risk_states') }}

),

updated_times as (

    {%- for source_name in [
        'departments', 'users', 'quality_events', 'documents', 'document_versions',
        'document_review_steps', 'training_assignments', 'lab_samples', 'lab_results',
        'risk_assessments'
    ] %}
    select max(updated_at) as updated_at from {{ ref('stg_qms_' ~ source_name) }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select distinct
        {{ qms_day('event_at') }} as activity_date,
        'event' as kind
    from event_times
    where event_at is not null
    union all
    select distinct
        {{ qms_day('updated_at') }} as activity_date,
        'updated' as kind
    from updated_times
    where updated_at is not null

)

select * from final
