{{ config(materialized='view') }}

{#- The (organization_id, user_id, metric_date) of hr_user_engagement_metrics:
    each user with an activity-log event, a report access or a chat session
    started on the UTC day (non-deleted users; accesses and sessions without a
    user have none), and the latest of those on the day. A view: a filter on
    metric_date reaches the facts before they are grouped. -#}

with

user_facts as (

    select
        organization_id,
        user_id,
        metric_date,
        occurred_at as happened_at
    from {{ ref('int_hr_activity_events') }}
    union all
    select
        organization_id,
        user_id,
        metric_date,
        accessed_at as happened_at
    from {{ ref('int_hr_report_accesses') }}
    where user_id is not null
    union all
    select
        organization_id,
        user_id,
        metric_date,
        started_at as happened_at
    from {{ ref('int_hr_chat_sessions') }}
    where user_id is not null

),

final as (

    select
        organization_id,
        user_id,
        metric_date,
        max(happened_at) as last_activity_at
    from user_facts
    group by organization_id, user_id, metric_date

)

select * from final
