{{
    config(
        materialized='incremental',
        unique_key='response_id',
        pre_hook="{{ claim_source_batches('hr_survey_responses') }}",
        indexes=[
            {'columns': ['response_id'], 'unique': true},
            {'columns': ['responded_at']},
        ],
    )
}}

{#- Batch-incremental: a run reads only the new ingest batches (and the
    older versions of the keys they bring); see macros/incremental_batches.sql. -#}

with

source as (

    select
        response_id,
        organization_id,
        user_id,
        survey_type,
        score,
        comment,
        responded_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hr_survey_responses') }}
    {{ rows_of_claimed_keys('hr_survey_responses', 'response_id') }}

),

newest_version as (

    {{ latest_per_key('source', ['response_id']) }}

),

final as (

    select
        response_id,
        organization_id,
        user_id,
        survey_type,
        score,
        comment,
        responded_at,
        _ingested_at,
        _batch_id
    from newest_version

)

select * from final
