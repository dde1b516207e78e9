{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ delete_recomputed('metric_date') }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

with

days as (

    {{ recompute_days() }}

),

feature_uses as (

    select
        event_date as metric_date,
        workspace_id,
        user_id,
        coalesce(feature, 'unknown') as feature,
        extract(hour from occurred_at at time zone 'UTC')::int as usage_hour
    from {{ ref('int_activity_events') }}
    where event_type = 'feature_use'
        and event_date in (select day from days)

),

final as (

    select
        metric_date,
        workspace_id,
        feature,
        count(*) as usage_count,
        count(distinct user_id) as unique_users,
        jsonb_build_object(
            {%- for hour in range(24) %}
            '{{ hour }}', count(*) filter (where usage_hour = {{ hour }}){{ ',' if not loop.last }}
            {%- endfor %}
        ) as hourly_usage
    from feature_uses
    group by metric_date, workspace_id, feature

)

select * from final
