{{
    config(
        pre_hook="{{ record_learning_dirty_days() }}",
        indexes=[{'columns': ['activity_date']}],
    )
}}

{#- The pre_hook records the days of the learning batches new to this model
    as dirty for the daily models (macros/dirty_days.sql). -#}
-- depends_on: {{ ref('stg_study_events') }}
-- depends_on: {{ ref('stg_question_attempts') }}
-- depends_on: {{ ref('stg_material_interactions') }}

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
