with

activity_days as (

    select
        user_id,
        workspace_id,
        activity_date
    from {{ ref('int_user_activity_days') }}

),

final as (

    select
        user_id,
        workspace_id,
        min(activity_date) as first_activity_date
    from activity_days
    group by user_id, workspace_id

)

select * from final
