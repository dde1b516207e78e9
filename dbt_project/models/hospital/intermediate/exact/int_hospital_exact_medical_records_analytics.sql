{#- medical_records_analytics' exact figures: one row per day from the first
    live record's creation day to the as-of date. drafts_open is a stock:
    +1 on a counted record's creation day, -1 on its finalization day,
    summed up to d (a finalized record without finalized_at is never
    open). -#}

with

records as (

    select
        record_id,
        status,
        created_at,
        created_day,
        finalized_at,
        finalized_day
    from {{ ref('int_hospital_medical_records') }}

),

days as (

    select
        generate_series(
            min(created_day)::timestamp, {{ hospital_as_of_date() }}::timestamp, interval '1 day'
        )::date as metric_date
    from records

),

created as (

    select
        created_day as metric_date,
        count(*) as records_created
    from records
    group by created_day

),

finalized as (

    select
        finalized_day as metric_date,
        count(*) as records_finalized,
        {{ hospital_percentile(0.5, hospital_duration('finalized_at', 'created_at', 3600)) }}
            as finalize_time_p50_hours,
        {{ hospital_percentile(0.9, hospital_duration('finalized_at', 'created_at', 3600)) }}
            as finalize_time_p90_hours
    from records
    where finalized_at is not null
    group by finalized_day

),

open_changes as (

    select
        change_row.metric_date,
        sum(change_row.delta) as delta
    from (
        select
            created_day as metric_date,
            1 as delta
        from records
        where status = 'draft' or finalized_at is not null
        union all
        select
            finalized_day as metric_date,
            -1 as delta
        from records
        where finalized_at is not null
    ) as change_row
    group by change_row.metric_date

),

final as (

    select  -- noqa: ST06
        daily.metric_date,
        coalesce(created.records_created, 0) as records_created,
        coalesce(finalized.records_finalized, 0) as records_finalized,
        coalesce(sum(open_change.delta) over (order by daily.metric_date), 0)::bigint
            as drafts_open,
        finalized.finalize_time_p50_hours,
        finalized.finalize_time_p90_hours
    from days as daily
    left join created on daily.metric_date = created.metric_date
    left join finalized on daily.metric_date = finalized.metric_date
    left join open_changes as open_change on daily.metric_date = open_change.metric_date

)

select * from final
