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

events as (

    select
        organization_id,
        feature,
        user_role,
        metric_date,
        metric_hour,
        user_id,
        duration_ms,
        success,
        department_name
    from {{ ref('int_hr_activity_events') }}
    where
        feature is not null
        and metric_date in (select day from days)

),

uses as (

    select
        organization_id,
        feature,
        user_role,
        metric_date,
        count(*) as total_uses,
        count(distinct user_id) as unique_users,
        avg(duration_ms) / 1000 as average_duration_seconds,
        {{ safe_ratio('count(*) filter (where success)', 'count(success)') }} as success_rate,
        count(*) filter (where not success) as error_count
    from events
    group by organization_id, feature, user_role, metric_date

),

hourly as (

    select
        hour_uses.organization_id,
        hour_uses.feature,
        hour_uses.user_role,
        hour_uses.metric_date,
        {{ hr_jsonb_counts('hour_uses.metric_hour::text', 'hour_uses.uses') }} as hourly
    from (
        select
            organization_id,
            feature,
            user_role,
            metric_date,
            metric_hour,
            count(*) as uses
        from events
        group by organization_id, feature, user_role, metric_date, metric_hour
    ) as hour_uses
    group by
        hour_uses.organization_id, hour_uses.feature, hour_uses.user_role, hour_uses.metric_date

),

by_department as (

    select
        department_uses.organization_id,
        department_uses.feature,
        department_uses.user_role,
        department_uses.metric_date,
        {{ hr_jsonb_counts('department_uses.department_name', 'department_uses.uses') }}
            as by_department
    from (
        select
            organization_id,
            feature,
            user_role,
            metric_date,
            department_name,
            count(*) as uses
        from events
        group by organization_id, feature, user_role, metric_date, department_name
    ) as department_uses
    group by
        department_uses.organization_id,
        department_uses.feature,
        department_uses.user_role,
        department_uses.metric_date

),

final as (

    select  -- noqa: ST06
        uses.organization_id,
        uses.feature,
        uses.user_role,
        uses.metric_date,
        uses.total_uses,
        uses.unique_users,
        trim_scale(uses.average_duration_seconds) as average_duration_seconds,
        uses.success_rate,
        uses.error_count,
        jsonb_build_object('hourly', hourly.hourly, 'by_department', by_department.by_department)
            as usage_distribution
    from uses
    inner join hourly
        on uses.organization_id = hourly.organization_id
        and uses.feature = hourly.feature
        and uses.user_role = hourly.user_role
        and uses.metric_date = hourly.metric_date
    inner join by_department
        on uses.organization_id = by_department.organization_id
        and uses.feature = by_department.feature
        and uses.user_role = by_department.user_role
        and uses.metric_date = by_department.metric_date

)

select * from final
