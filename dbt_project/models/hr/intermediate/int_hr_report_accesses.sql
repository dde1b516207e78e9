{{ config(materialized='view') }}

{#- Report accesses of non-deleted users, with the UTC day of accessed_at (a
    view: readers filter on metric_date). -#}

with

rows_of_users as (

    select
        access_id,
        report_id,
        organization_id,
        user_id,
        access_type,
        accessed_at,
        (accessed_at at time zone 'UTC')::date as metric_date
    from {{ ref('stg_hr_report_access_logs') }} as fact
    where {{ hr_not_deleted('fact.user_id') }}

)

select * from rows_of_users
