{{ config(materialized='view') }}

{#- Report generations (newest version) not requested by a deleted user, with
    the UTC day of requested_at (a view). -#}

with

rows_of_users as (

    select  -- noqa: ST06
        report_id,
        organization_id,
        report_type,
        requested_by_user_id,
        requested_at,
        status,
        processing_time_seconds,
        coalesce(is_auto_generated, false) as is_auto_generated,
        coalesce(is_quarterly_update, false) as is_quarterly_update,
        report_size_kb,
        ai_tokens_used,
        (requested_at at time zone 'UTC')::date as metric_date
    from {{ ref('stg_hr_report_generations') }} as fact
    where {{ hr_not_deleted('fact.requested_by_user_id') }}

)

select * from rows_of_users
