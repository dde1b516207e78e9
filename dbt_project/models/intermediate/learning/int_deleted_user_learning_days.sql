{#-
    The days deleted users learned on (a study event, question attempt or
    material interaction), while their rows are still in staging, with the
    UTC day of the deletion: runs whose window contains deleted_date rebuild
    those days of the tables that aggregate over users (topic_daily_stats).
-#}

with

deleted_users as (

    select
        user_id,
        (deleted_at at time zone 'UTC')::date as deleted_date
    from {{ ref('stg_users') }}
    where is_deleted

),

study_days as (

    select distinct
        user_id,
        workspace_id,
        (occurred_at at time zone 'UTC')::date as activity_date
    from {{ ref('stg_study_events') }}
    where user_id in (select user_id from deleted_users)

),

attempt_days as (

    select distinct
        user_id,
        workspace_id,
        (answered_at at time zone 'UTC')::date as activity_date
    from {{ ref('stg_question_attempts') }}
    where user_id in (select user_id from deleted_users)

),

interaction_days as (

    select distinct
        user_id,
        workspace_id,
        (occurred_at at time zone 'UTC')::date as activity_date
    from {{ ref('stg_material_interactions') }}
    where user_id in (select user_id from deleted_users)

),

learning_days as (

    select user_id, workspace_id, activity_date from study_days
    union
    select user_id, workspace_id, activity_date from attempt_days
    union
    select user_id, workspace_id, activity_date from interaction_days

),

final as (

    select
        learning_days.user_id,
        learning_days.workspace_id,
        learning_days.activity_date,
        deleted_users.deleted_date
    from learning_days
    inner join deleted_users
        on learning_days.user_id = deleted_users.user_id

)

select * from final
