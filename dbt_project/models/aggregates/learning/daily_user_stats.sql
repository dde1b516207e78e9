{{
    config(
        meta={'partition_column': 'stat_date'},
        pre_hook="{{ delete_learning_recomputed('stat_date') }}",
        indexes=[{'columns': ['stat_date']}],
    )
}}

-- depends_on: {{ ref('stg_users') }}

with

days as (

    {{ learning_recompute_days() }}

),

facts as (

    select
        fact,
        activity_date,
        workspace_id,
        user_id,
        topic_id,
        material_id,
        is_correct,
        study_minutes
    from {{ ref('int_learning_facts') }}
    where activity_date in (select day from days)

),

final as (

    select
        activity_date as stat_date,
        workspace_id,
        user_id,
        count(*) filter (where fact = 'session') as study_sessions,
        coalesce(trim_scale(sum(study_minutes)), 0) as study_minutes,
        count(*) filter (where fact = 'attempt') as attempts,
        count(*) filter (where fact = 'attempt' and is_correct) as correct_attempts,
        {{ safe_ratio(
            "count(*) filter (where fact = 'attempt' and is_correct)",
            "count(*) filter (where fact = 'attempt')"
        ) }} as accuracy,
        count(*) filter (where fact = 'interaction') as material_interactions,
        count(*) filter (where fact = 'completion') as materials_completed,
        count(distinct topic_id) filter (where fact in ('attempt', 'interaction')) as topics_touched
    from facts
    group by activity_date, workspace_id, user_id

)

select * from final
