{{ config(materialized='view') }}

{#-
    One row per cohort member: a user in a workspace (first activity and
    activity in that workspace) or, with workspace_id null, the user over all
    workspaces (first activity and activity anywhere), with whether the user
    was active again 1, 7, 14 and 30 days after the first activity day.
    Whether day N is measurable yet is up to the as-of date of the reader
    (user_cohorts).
-#}

with

first_activity as (

    select
        user_id,
        workspace_id,
        first_activity_date
    from {{ ref('int_user_first_activity') }}

),

activity_days as (

    select
        user_id,
        workspace_id,
        activity_date
    from {{ ref('int_user_activity_days') }}

),

first_activity_overall as (

    select
        user_id,
        null::text as workspace_id,
        min(first_activity_date) as first_activity_date
    from first_activity
    group by user_id

),

activity_days_overall as (

    select distinct
        user_id,
        null::text as workspace_id,
        activity_date
    from activity_days

),

members as (

    select
        user_id,
        workspace_id,
        first_activity_date
    from first_activity
    union all
    select
        user_id,
        workspace_id,
        first_activity_date
    from first_activity_overall

),

member_activity as (

    select
        user_id,
        workspace_id,
        activity_date
    from activity_days
    union all
    select
        user_id,
        workspace_id,
        activity_date
    from activity_days_overall

),

final as (

    select
        members.user_id,
        members.workspace_id,
        members.first_activity_date,
        coalesce(
            bool_or(member_activity.activity_date = members.first_activity_date + 1), false
        ) as active_day_1,
        coalesce(
            bool_or(member_activity.activity_date = members.first_activity_date + 7), false
        ) as active_day_7,
        coalesce(
            bool_or(member_activity.activity_date = members.first_activity_date + 14), false
        ) as active_day_14,
        coalesce(
            bool_or(member_activity.activity_date = members.first_activity_date + 30), false
        ) as active_day_30
    from members
    left join member_activity
        on members.user_id = member_activity.user_id
        and {{ same_workspace('members.workspace_id', 'member_activity.workspace_id') }}
        and member_activity.activity_date in (
            members.first_activity_date + 1,
            members.first_activity_date + 7,
            members.first_activity_date + 14,
            members.first_activity_date + 30
        )
    group by members.user_id, members.workspace_id, members.first_activity_date

)

select * from final
