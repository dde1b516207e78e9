{#-
    Topic ancestry of the current curriculum (newest topic versions): one
    row per (topic, ancestor), the topic itself included at depth 0, so a
    subtopic has rows for itself, its subject and its system. A parent id
    missing from the catalog is still an ancestor (with a null level); a
    cycle in parent links stops after 10 levels and keeps the shortest depth.
-#}

with recursive

topics as (

    select
        topic_id,
        parent_topic_id,
        level
    from {{ ref('stg_topics') }}

),

ancestry (topic_id, ancestor_topic_id, depth) as (

    select
        topic_id,
        topic_id as ancestor_topic_id,
        0 as depth
    from topics

    union all

    select
        ancestry.topic_id,
        topics.parent_topic_id,
        ancestry.depth + 1
    from ancestry
    inner join topics
        on ancestry.ancestor_topic_id = topics.topic_id
    where topics.parent_topic_id is not null
        and ancestry.depth < 10

),

shortest as (

    select
        topic_id,
        ancestor_topic_id,
        min(depth) as depth
    from ancestry
    group by topic_id, ancestor_topic_id

),

final as (

    select
        shortest.topic_id,
        shortest.ancestor_topic_id,
        ancestors.level as ancestor_level,
        shortest.depth
    from shortest
    left join topics as ancestors
        on shortest.ancestor_topic_id = ancestors.topic_id

)

select * from final
