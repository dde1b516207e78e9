{#-
    A material is completed by the user's first `complete` interaction with
    it (in the workspace): one row per (workspace_id, user_id, material_id)
    of non-deleted users. Ties on occurred_at: the lowest interaction_id.
-#}

with

completions as (

    select
        interaction_id,
        user_id,
        workspace_id,
        material_id,
        topic_id,
        occurred_at,
        interaction_date
    from {{ ref('int_learning_interactions') }}
    where interaction_type = 'complete'

),

first_completions as (

    select distinct on (workspace_id, user_id, material_id)
        workspace_id,
        user_id,
        material_id,
        topic_id,
        interaction_id,
        occurred_at,
        interaction_date
    from completions
    order by workspace_id, user_id, material_id, occurred_at, interaction_id

),

final as (

    select
        workspace_id,
        user_id,
        material_id,
        topic_id,
        interaction_id,
        occurred_at as completed_at,
        interaction_date as completed_date
    from first_completions

)

select * from final
