{{ config(materialized='view') }}

{#- Notification deliveries (newest version) to non-deleted users, with the
    UTC day of sent_at (a view). -#}

with

rows_of_users as (

    select
        delivery_id,
        organization_id,
        user_id,
        channel,
        status,
        sent_at,
        delivered_at,
        read_at,
        clicked_at,
        dismissed_at,
        retry_count,
        (sent_at at time zone 'UTC')::date as metric_date
    from {{ ref('stg_hr_notification_deliveries') }} as fact
    where {{ hr_not_deleted('fact.user_id') }}

)

select * from rows_of_users
