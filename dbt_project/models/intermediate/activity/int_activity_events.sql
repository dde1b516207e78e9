{{ config(materialized='ephemeral') }}

with

activity as (

    select
        event_id,
        user_id,
        workspace_id,
        session_id,
        event_type,
        feature,
        duration_ms,
        error_type,
        occurred_at,
        _batch_id
    from {{ ref('stg_user_activity') }}

),

deleted_users as (

    select user_id
    from {{ ref('stg_users') }}
    where is_deleted

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        activity.event_id,
        activity.user_id,
        activity.workspace_id,
        activity.session_id,
        activity.event_type,
        activity.feature,
        activity.duration_ms,
        activity.error_type,
        activity.occurred_at,
        (activity.occurred_at at time zone 'UTC')::date as event_date,
        date_trunc('hour', activity.occurred_at, 'UTC') as event_hour,
        activity._batch_id
    from activity
    where
        not exists (
            select 1
            from deleted_users
            where deleted_users.user_id = activity.user_id
        )

)

select * from final
