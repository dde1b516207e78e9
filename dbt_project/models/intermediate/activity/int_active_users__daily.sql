{{ config(materialized='view') }}

{#-
    Active users per UTC day and workspace, plus the all-workspaces row
    (workspace_id null) of each day: distinct users active that day, and
    those whose first activity it is (in the workspace; for the
    all-workspaces row, anywhere). A view: a daily model reading it filters
    on metric_date, and the filter reaches the activity days before they are
    grouped.
-#}

with

activity_days as (

    select
        activity_date,
        workspace_id,
        user_id
    from {{ ref('int_user_activity_days') }}

),

first_activity as (

    {{ first_activity_days() }}

),

users as (

    select
        activity_days.activity_date as metric_date,
        scope.workspace_id,
        count(distinct activity_days.user_id) as active_users,
        count(distinct activity_days.user_id) filter (
            where case
                when scope.workspace_id is null then first_activity.first_activity_date_overall
                else first_activity.first_activity_date
            end = activity_days.activity_date
        ) as new_users
    from activity_days
    inner join first_activity
        on activity_days.user_id = first_activity.user_id
        and activity_days.workspace_id = first_activity.workspace_id
    {{ with_all_workspaces_row('activity_days.workspace_id') }}
    group by activity_days.activity_date, scope.workspace_id

),

final as (

    select
        metric_date,
        workspace_id,
        active_users,
        new_users,
        active_users - new_users as returning_users
    from users

)

select * from final
