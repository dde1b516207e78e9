{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ hr_delete_recomputed(extra_days=hr_accessed_report_days()) }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

with

days as (

    {{ hr_recompute_days(extra_days=hr_accessed_report_days()) }}

),

generations as (

    select
        report_id,
        organization_id,
        report_type,
        metric_date,
        status,
        processing_time_seconds,
        is_auto_generated,
        is_quarterly_update,
        report_size_kb,
        ai_tokens_used
    from {{ ref('int_hr_report_generations') }}
    where metric_date in (select day from days)

),

accesses as (

    select
        report_id,
        count(*) filter (where access_type = 'VIEW') as views,  -- noqa: RF04
        count(*) filter (where access_type = 'DOWNLOAD') as downloads
    from {{ ref('int_hr_report_accesses') }}
    where
        metric_date <= {{ as_of_date() }}
        and report_id in (select report_id from generations)
    group by report_id

),

stats as (

    select
        generations.organization_id,
        generations.report_type,
        generations.metric_date,
        count(*) as reports_requested,
        count(*) filter (where generations.status = 'SUCCESS') as successful,  -- noqa: RF04
        count(*) filter (where generations.status = 'FAILED') as failed,
        count(*) filter (where generations.status = 'PENDING') as pending,
        count(*) filter (where generations.status = 'PROCESSING') as processing,
        percentile_cont(array[0.5, 0.95]) within group (
            order by generations.processing_time_seconds
        )
        filter (where generations.status = 'SUCCESS') as processing_time_percentiles,
        count(*) filter (where generations.is_auto_generated) as auto_generated,
        count(*) filter (where generations.is_quarterly_update) as quarterly_updates,
        count(*) filter (
            where generations.is_quarterly_update and generations.status = 'SUCCESS'
        ) as quarterly_updates_completed,
        coalesce(sum(generations.ai_tokens_used), 0)::bigint as ai_tokens_used,
        avg(generations.report_size_kb) filter (where generations.status = 'SUCCESS')
            as average_report_size_kb,
        coalesce(sum(accesses.views), 0)::bigint as views,  -- noqa: RF04
        coalesce(sum(accesses.downloads), 0)::bigint as downloads
    from generations
    left join accesses
        on generations.report_id = accesses.report_id
    group by generations.organization_id, generations.report_type, generations.metric_date

),

final as (

    select
        organization_id,
        report_type,
        metric_date,
        reports_requested,
        successful,
        failed,
        pending,
        processing,
        {{ safe_ratio('successful', 'successful + failed') }} as success_rate,
        processing_time_percentiles[1]::numeric as processing_time_p50_seconds,
        processing_time_percentiles[2]::numeric as processing_time_p95_seconds,
        auto_generated,
        reports_requested - auto_generated as manual,
        quarterly_updates,
        quarterly_updates_completed,
        {{ safe_ratio('quarterly_updates_completed', 'quarterly_updates') }}
            as quarterly_update_completion_rate,
        ai_tokens_used,
        trim_scale(average_report_size_kb) as average_report_size_kb,
        views,
        downloads
    from stats

)

select * from final
