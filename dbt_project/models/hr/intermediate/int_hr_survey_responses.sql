{{ config(materialized='view') }}

{#- Survey answers (NPS, CSAT) of non-deleted users, with the UTC day of responded_at (a view). -#}

with

rows_of_users as (

    select
        response_id,
        organization_id,
        user_id,
        survey_type,
        score,
        responded_at,
        (responded_at at time zone 'UTC')::date as metric_date
    from {{ ref('stg_hr_survey_responses') }} as fact
    where {{ hr_not_deleted('fact.user_id') }}

)

select * from rows_of_users
