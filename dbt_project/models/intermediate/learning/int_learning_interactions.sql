{{ config(materialized='view') }}

with

interactions as (

    select
        interaction_id,
        user_id,
        workspace_id,
        session_id,
        material_id,
        topic_id,
        interaction_type,
        duration_seconds,
        progress_pct,
        occurred_at
    from {{ ref('stg_material_interactions') }}

),

deleted_users as (

    select user_id
    from {{ ref('stg_users') }}
    where is_deleted

),

final as (

    select
        interactions.interaction_id,
        interactions.user_id,
        interactions.workspace_id,
        interactions.session_id,
        interactions.material_id,
        interactions.topic_id,
        interactions.interaction_type,
        interactions.duration_seconds,
        interactions.progress_pct,
        interactions.occurred_at,
        (interactions.occurred_at at time zone 'UTC')::date as interaction_date
    from interactions
    where
        not exists (
            select 1
            from deleted_users
            where deleted_users.user_id = interactions.user_id
        )

)

select * from final
