{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ hr_delete_recomputed() }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

with

days as (

    {{ hr_recompute_days() }}

),

deliveries as (

    select
        scope.organization_id,
        deliveries.channel,
        deliveries.metric_date,
        deliveries.status,
        deliveries.delivered_at,
        deliveries.read_at,
        deliveries.clicked_at,
        deliveries.dismissed_at,
        deliveries.retry_count
    from {{ ref('int_hr_notification_deliveries') }} as deliveries
    {{ hr_with_all_organizations_row('deliveries.organization_id') }}
    where deliveries.metric_date in (select day from days)

),

counts as (

    select
        organization_id,
        channel,
        metric_date,
        count(*) as sent,
        count(delivered_at) as delivered,
        count(read_at) as read,  -- noqa: RF04
        count(clicked_at) as clicked,
        count(dismissed_at) as dismissed,
        count(*) filter (where status = 'FAILED') as failed,
        coalesce(sum(retry_count), 0)::bigint as retries,
        percentile_cont(0.5) within group (order by extract(epoch from read_at - delivered_at))
            as median_time_to_read_seconds
    from deliveries
    group by organization_id, channel, metric_date

),

final as (

    select
        organization_id,
        channel,
        metric_date,
        sent,
        delivered,
        read,
        clicked,
        dismissed,
        failed,
        retries,
        {{ safe_ratio('delivered', 'sent') }} as delivery_rate,
        {{ safe_ratio('read', 'delivered') }} as read_rate,
        {{ safe_ratio('clicked', 'delivered') }} as click_rate,
        {{ safe_ratio('failed', 'sent') }} as failure_rate,
        median_time_to_read_seconds::numeric as median_time_to_read_seconds
    from counts

)

select * from final
