{{
    config(
        tags=['mastery_history'],
        meta={'partition_column': 'progress_date'},
        indexes=[{'columns': ['user_id', 'topic_id', 'progress_date']}],
    )
}}

{#-
    Mastery over time: per (user, topic) and day, from each version of
    topic_mastery_history until the next one (ordered by as_of_date), over
    the last `mastery_progression_days` days up to the newest as-of date.
    Retrievability decays daily between reviews: FSRS R = (1 + F t / S)^-w20
    with F = 0.9^(-1/w20) - 1, SM-2 R = exp(-t / interval * ln(10/9)), t =
    whole days from the last review to the end of the day; mastery follows
    it through the retrieval term's weight.
-#}

with

versions as (

    select
        user_id,
        workspace_id,
        topic_id,
        as_of_date,
        scheduler,
        mastery,
        retrieval_strength,
        retrieval_weight,
        last_review,
        stability,
        decay,
        interval_days,
        lead(as_of_date) over (partition by user_id, topic_id order by as_of_date)
            as next_as_of_date
    from {{ ref('topic_mastery_history') }}
    where
        user_id not in (
            select stg_users.user_id
            from {{ ref('stg_users') }} as stg_users
            where stg_users.is_deleted
        )

),

latest as (

    select max(as_of_date) as as_of_date from versions

),

days as (

    select
        versions.*,
        day::date as progress_date
    from versions
    cross join latest
    cross join lateral generate_series(
        greatest(
            versions.as_of_date,
            latest.as_of_date - {{ var('mastery_progression_days', 90) | int - 1 }}
        ),
        coalesce(versions.next_as_of_date - 1, latest.as_of_date),
        interval '1 day'
    ) as day

),

evaluated as (

    select
        *,
        case
            when last_review is null then 0
            else floor(extract(epoch from (progress_date + 1) - last_review) / 86400)
        end as elapsed_days
    from days

),

final as (

    -- The table's column order, calculations among them (not ST06's order).
    select  -- noqa: ST06
        progress_date,
        workspace_id,
        user_id,
        topic_id,
        scheduler,
        retrievability,
        mastery + coalesce(retrieval_weight, 0) * (retrievability - retrieval_strength) as mastery,
        retrievability - lag(retrievability) over same_pair as retrievability_change,
        as_of_date as version_as_of_date
    from (
        select
            *,
            case
                when last_review is null then 0
                when scheduler = 'fsrs'
                    then power(1 + (power(0.9, -1 / decay) - 1) * elapsed_days / stability, -decay)
                else exp(-elapsed_days / interval_days * ln(10.0 / 9.0))
            end as retrievability
        from evaluated
    ) as with_retrievability
    window same_pair as (partition by user_id, topic_id order by progress_date)

)

select * from final
