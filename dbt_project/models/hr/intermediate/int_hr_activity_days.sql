{{
    config(
        pre_hook="{{ record_hr_dirty_days() }}",
        indexes=[{'columns': ['activity_date']}],
    )
}}

{#- The days with HR activity per organization: each (organization_id,
    activity_date, source) with at least one row of a non-deleted user in an
    HR fact (source 'event': activity logs, report accesses and generations,
    chat sessions, notification deliveries, dashboard interactions, survey
    answers, by their event time), and each organization's creation day
    (source 'organization_created'). The HR daily models rebuild the days
    from the first of these; without a max_date the as-of date is the last
    'event' day. Its pre_hook records the dirty days of new batches
    (macros/hr_dirty_days.sql). -#}

with

event_days as (

    select
        organization_id,
        metric_date
    from {{ ref('int_hr_activity_events') }}
    union
    select
        organization_id,
        metric_date
    from {{ ref('int_hr_report_accesses') }}
    union
    select
        organization_id,
        metric_date
    from {{ ref('int_hr_report_generations') }}
    union
    select
        organization_id,
        metric_date
    from {{ ref('int_hr_chat_sessions') }}
    union
    select
        organization_id,
        metric_date
    from {{ ref('int_hr_notification_deliveries') }}
    union
    select
        organization_id,
        metric_date
    from {{ ref('int_hr_dashboard_interactions') }}
    union
    select
        organization_id,
        metric_date
    from {{ ref('int_hr_survey_responses') }}

),

final as (

    select
        organization_id,
        metric_date as activity_date,
        'event' as source  -- noqa: RF04
    from event_days
    union all
    select
        organization_id,
        (created_at at time zone 'UTC')::date as activity_date,
        'organization_created' as source  -- noqa: RF04
    from {{ ref('stg_hr_organizations') }}

)

select * from final
