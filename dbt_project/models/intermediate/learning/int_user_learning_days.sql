{{ config(indexes=[{'columns': ['activity_date']}]) }}

with

facts as (

    select
        fact,
        activity_date,
        workspace_id,
        user_id
    from {{ ref('int_learning_facts') }}

),

final as (

    select
        user_id,
        workspace_id,
        activity_date,
        count(*) filter (where fact = 'session') as study_sessions,
        count(*) filter (where fact = 'attempt') as attempts,
        count(*) filter (where fact = 'interaction') as material_interactions
    from facts
    where fact <> 'completion'
    group by user_id, workspace_id, activity_date

)

select * from final
