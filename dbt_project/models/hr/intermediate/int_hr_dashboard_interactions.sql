{{ config(materialized='view') }}

{#- Dashboard interactions of non-deleted users, with the UTC day of
    occurred_at; widget_type UNKNOWN when null (a view). -#}

with

rows_of_users as (

    select  -- noqa: ST06
        interaction_id,
        organization_id,
        user_id,
        dashboard_type,
        coalesce(widget_type, 'UNKNOWN') as widget_type,
        interaction_type,
        error_occurred,
        load_time_ms,
        render_time_ms,
        data_fetch_time_ms,
        total_time_ms,
        occurred_at,
        (occurred_at at time zone 'UTC')::date as metric_date
    from {{ ref('stg_hr_dashboard_interactions') }} as fact
    where {{ hr_not_deleted('fact.user_id') }}

)

select * from rows_of_users
