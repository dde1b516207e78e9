{#-
    The days deleted users were active on, while their raw rows are still
    there: the daily models recompute these days (and the as-of dates and
    periods that cover them) when the deletion day falls in their window, so
    that a deletion removes the user from past periods too.
-#}

with

deleted_users as (

    select
        user_id,
        (deleted_at at time zone 'UTC')::date as deleted_date
    from {{ ref('stg_users') }}
    where is_deleted

),

event_days as (

    select distinct
        user_id,
        workspace_id,
        (occurred_at at time zone 'UTC')::date as activity_date
    from {{ ref('stg_user_activity') }}
    where user_id in (select user_id from deleted_users)

),

run_days as (

    select distinct
        user_id,
        workspace_id,
        (started_at at time zone 'UTC')::date as activity_date
    from {{ ref('stg_agent_runs') }}
    where user_id in (select user_id from deleted_users)

),

activity_days as (

    select user_id, workspace_id, activity_date from event_days
    union
    select user_id, workspace_id, activity_date from run_days

),

final as (

    select
        activity_days.user_id,
        activity_days.workspace_id,
        activity_days.activity_date,
        deleted_users.deleted_date
    from activity_days
    inner join deleted_users
        on activity_days.user_id = deleted_users.user_id

)

select * from final
