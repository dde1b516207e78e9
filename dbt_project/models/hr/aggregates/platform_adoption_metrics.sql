{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ hr_delete_recomputed(reach_days=none) }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

{#- Cumulative counts: a dirty day reaches every later day (reach_days=none). -#}

with

days as (

    {{ hr_recompute_days(reach_days=none) }}

),

spine as (

    {{ hr_organization_days() }}

),

organizations as (

    select
        scope.organization_id,
        days.day as metric_date,
        count(*) as total_organizations,
        count(*) filter (where (o.created_at at time zone 'UTC')::date = days.day)
            as new_organizations_today
    from days
    inner join {{ ref('stg_hr_organizations') }} as o
        on o.created_at < {{ hr_end_of('days.day') }}
    {{ hr_with_all_organizations_row('o.organization_id') }}
    group by scope.organization_id, days.day

),

people as (

    select
        scope.organization_id,
        days.day as metric_date,
        count(*) filter (
            where e.hired_at < {{ hr_end_of('days.day') }}
            and not coalesce(e.terminated_at < {{ hr_end_of('days.day') }}, false)
        ) as total_employees,
        count(*) filter (where (e.hired_at at time zone 'UTC')::date = days.day)
            as new_employees_today,
        count(*) filter (
            where e.applied_at < {{ hr_end_of('days.day') }}
            and not coalesce(e.hired_at < {{ hr_end_of('days.day') }}, false)
            and not coalesce(e.rejected_at < {{ hr_end_of('days.day') }}, false)
        ) as total_candidates,
        count(*) filter (where (e.applied_at at time zone 'UTC')::date = days.day)
            as new_candidates_today
    from days
    inner join {{ ref('stg_hr_employees') }} as e
        on least(e.applied_at, e.hired_at) < {{ hr_end_of('days.day') }}
    {{ hr_with_all_organizations_row('e.organization_id') }}
    group by scope.organization_id, days.day

),

org_units as (

    select
        'department' as kind,
        organization_id,
        created_at,
        deleted_at
    from {{ ref('stg_hr_departments') }}
    union all
    select
        'branch' as kind,
        organization_id,
        created_at,
        deleted_at
    from {{ ref('stg_hr_branches') }}

),

sites as (

    select
        scope.organization_id,
        days.day as metric_date,
        count(*) filter (where units.kind = 'department') as total_departments,
        count(*) filter (where units.kind = 'branch') as total_branches
    from days
    inner join org_units as units
        on units.created_at < {{ hr_end_of('days.day') }}
        and not coalesce(units.deleted_at < {{ hr_end_of('days.day') }}, false)
    {{ hr_with_all_organizations_row('units.organization_id') }}
    group by scope.organization_id, days.day

),

active_users as (

    select
        scope.organization_id,
        events.metric_date,
        count(distinct events.user_id) as active_users_count
    from {{ ref('int_hr_activity_events') }} as events
    {{ hr_with_all_organizations_row('events.organization_id') }}
    where events.metric_date in (select day from days)
    group by scope.organization_id, events.metric_date

),

usage_facts as (

    select
        'report' as kind,
        organization_id,
        metric_date
    from {{ ref('int_hr_report_generations') }}
    where status = 'SUCCESS'
    union all
    select
        'chat' as kind,
        organization_id,
        metric_date
    from {{ ref('int_hr_chat_sessions') }}

),

usage as (

    select
        scope.organization_id,
        days.day as metric_date,
        count(*) filter (where facts.kind = 'report' and facts.metric_date = days.day)
            as reports_generated_today,
        count(*) filter (where facts.kind = 'report') as reports_generated_total,
        count(*) filter (where facts.kind = 'chat' and facts.metric_date = days.day)
            as ai_chat_sessions_today,
        count(*) filter (where facts.kind = 'chat') as ai_chat_sessions_total
    from days
    inner join usage_facts as facts
        on days.day >= facts.metric_date
    {{ hr_with_all_organizations_row('facts.organization_id') }}
    group by scope.organization_id, days.day

),

final as (

    select  -- noqa: ST06
        spine.organization_id,
        spine.metric_date,
        coalesce(organizations.total_organizations, 0) as total_organizations,
        coalesce(organizations.new_organizations_today, 0) as new_organizations_today,
        coalesce(people.total_employees, 0) as total_employees,
        coalesce(people.new_employees_today, 0) as new_employees_today,
        coalesce(people.total_candidates, 0) as total_candidates,
        coalesce(people.new_candidates_today, 0) as new_candidates_today,
        coalesce(sites.total_departments, 0) as total_departments,
        coalesce(sites.total_branches, 0) as total_branches,
        coalesce(active_users.active_users_count, 0) as active_users_count,
        coalesce(usage.reports_generated_today, 0) as reports_generated_today,
        coalesce(usage.reports_generated_total, 0) as reports_generated_total,
        coalesce(usage.ai_chat_sessions_today, 0) as ai_chat_sessions_today,
        coalesce(usage.ai_chat_sessions_total, 0) as ai_chat_sessions_total,
        subscription.subscription_status,
        subscription.subscription_tier
    from spine
    left join organizations on {{ hr_same_scope('spine', 'organizations') }}
    left join people on {{ hr_same_scope('spine', 'people') }}
    left join sites on {{ hr_same_scope('spine', 'sites') }}
    left join active_users on {{ hr_same_scope('spine', 'active_users') }}
    left join usage on {{ hr_same_scope('spine', 'usage') }}
    {{ hr_subscription_at_end_of('spine.metric_date', 'spine.organization_id') }}

)

select * from final
