{{
    config(
        meta={'partition_column': 'stat_date'},
        pre_hook="{{ delete_learning_recomputed('stat_date', per_user=false) }}",
        indexes=[{'columns': ['stat_date']}],
    )
}}

{#-
    Every fact counts for its own topic and each ancestor (int_topic_ancestors),
    so a subject's and a system's rows cover their whole subtree. A topic
    missing from the catalog counts for itself only.
-#}

with

days as (

    {{ learning_recompute_days(deleted_user_days=true) }}

),

facts as (

    select
        fact,
        activity_date,
        workspace_id,
        user_id,
        topic_id,
        question_id,
        is_correct,
        time_to_answer_seconds
    from {{ ref('int_learning_facts') }}
    where fact in ('attempt', 'interaction', 'completion')
        and activity_date in (select day from days)

),

ancestors as (

    select
        topic_id,
        ancestor_topic_id
    from {{ ref('int_topic_ancestors') }}

),

topics as (

    select
        topic_id,
        level
    from {{ ref('stg_topics') }}

),

rolled_up as (

    select
        facts.fact,
        facts.activity_date,
        facts.workspace_id,
        facts.user_id,
        facts.question_id,
        facts.is_correct,
        facts.time_to_answer_seconds,
        coalesce(ancestors.ancestor_topic_id, facts.topic_id) as topic_id
    from facts
    left join ancestors
        on facts.topic_id = ancestors.topic_id

),

stats as (

    select
        activity_date,
        workspace_id,
        topic_id,
        count(*) filter (where fact = 'attempt') as attempts,
        count(*) filter (where fact = 'attempt' and is_correct) as correct_attempts,
        count(distinct user_id) filter (where fact = 'attempt') as unique_users,
        count(distinct question_id) filter (where fact = 'attempt') as unique_questions,
        trim_scale(avg(time_to_answer_seconds) filter (where fact = 'attempt'))
            as avg_time_to_answer_seconds,
        count(*) filter (where fact = 'interaction') as material_interactions,
        count(*) filter (where fact = 'completion') as materials_completed
    from rolled_up
    group by grouping sets ((activity_date, workspace_id, topic_id), (activity_date, topic_id))

),

final as (

    select
        stats.activity_date as stat_date,
        stats.workspace_id,
        stats.topic_id,
        topics.level as topic_level,
        stats.attempts,
        stats.correct_attempts,
        {{ safe_ratio('stats.correct_attempts', 'stats.attempts') }} as accuracy,
        stats.unique_users,
        stats.unique_questions,
        stats.avg_time_to_answer_seconds,
        stats.material_interactions,
        stats.materials_completed
    from stats
    left join topics
        on stats.topic_id = topics.topic_id

)

select * from final
