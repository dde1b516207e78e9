{{ config(materialized='view') }}

{#- Activity-log events of non-deleted users with the UTC day and hour of
    occurred_at, the role (UNKNOWN when none) and the name of the event's
    department (newest version; "unassigned" when none or unknown). A view:
    readers filter on metric_date. -#}

with

events as (

    select
        event_id,
        organization_id,
        user_id,
        session_id,
        event_type,
        feature,
        duration_ms,
        success,
        user_role,
        department_id,
        occurred_at
    from {{ ref('stg_hr_activity_logs') }} as fact
    where {{ hr_not_deleted('fact.user_id') }}

),

departments as (

    select
        department_id,
        name
    from {{ ref('stg_hr_departments') }}

),

final as (

    select  -- noqa: ST06
        events.event_id,
        events.organization_id,
        events.user_id,
        events.session_id,
        events.event_type,
        events.feature,
        events.duration_ms,
        events.success,
        coalesce(events.user_role, 'UNKNOWN') as user_role,
        coalesce(departments.name, 'unassigned') as department_name,
        events.occurred_at,
        (events.occurred_at at time zone 'UTC')::date as metric_date,
        extract(hour from events.occurred_at at time zone 'UTC')::int as metric_hour
    from events
    left join departments
        on events.department_id = departments.department_id

)

select * from final
