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

interactions as (

    select  -- noqa: ST06
        scope.organization_id,
        interactions.metric_date,
        interactions.dashboard_type,
        interactions.widget_type,
        interactions.interaction_type = 'WIDGET_LOAD' as is_widget_load,
        interactions.error_occurred,
        interactions.load_time_ms,
        interactions.render_time_ms,
        interactions.data_fetch_time_ms,
        interactions.total_time_ms
    from {{ ref('int_hr_dashboard_interactions') }} as interactions
    {{ hr_with_all_organizations_row('interactions.organization_id') }}
    where interactions.metric_date in (select day from days)

),

stats as (

    select
        organization_id,
        metric_date,
        dashboard_type,
        widget_type,
        count(*) as interactions,
        count(*) filter (where is_widget_load) as widget_loads,
        percentile_cont(array[0.5, 0.95]) within group (order by load_time_ms)
        filter (where is_widget_load) as load_time_percentiles,
        percentile_cont(0.5) within group (order by render_time_ms)
        filter (where is_widget_load) as render_time_p50_ms,
        percentile_cont(0.5) within group (order by data_fetch_time_ms)
        filter (where is_widget_load) as data_fetch_time_p50_ms,
        percentile_cont(0.95) within group (order by total_time_ms)
        filter (where is_widget_load) as total_time_p95_ms,
        {{ safe_ratio('count(*) filter (where error_occurred)', 'count(error_occurred)') }}
            as error_rate
    from interactions
    group by organization_id, metric_date, dashboard_type, widget_type

),

final as (

    select
        organization_id,
        metric_date,
        dashboard_type,
        widget_type,
        interactions,
        widget_loads,
        load_time_percentiles[1]::numeric as load_time_p50_ms,
        load_time_percentiles[2]::numeric as load_time_p95_ms,
        render_time_p50_ms::numeric as render_time_p50_ms,
        data_fetch_time_p50_ms::numeric as data_fetch_time_p50_ms,
        total_time_p95_ms::numeric as total_time_p95_ms,
        error_rate
    from stats

)

select * from final
