{#- Parts of business_impact_metrics (models/hr/aggregates), each a select
    over the CTE `days` (one column `day`) giving one figure family per
    (organization_id, metric_date); organization_id null is the
    all-organizations row, computed from the pooled rows. -#}


{#- Subscription figures: mrr (the paying price in effect at the end of the
    day, a null price 0; the all row sums the organizations created by then),
    retention (paying at the end of d-30 -> paying at the end of d) and
    renewals (distinct (organization, current_period_end) of the versions
    known by the end of d whose period ends in d-29..d; renewed when the
    subscription in effect at the end of d pays with a later period end). -#}
{% macro hr_subscription_figures() -%}
    with organization_days as (
        select
            organizations.organization_id,
            organizations.created_at < {{ hr_end_of('days.day') }} as is_created,
            days.day as metric_date,
            case when now_sub.is_paying then coalesce(now_sub.monthly_price, 0) else 0 end as mrr,
            coalesce(now_sub.is_paying, false) as is_paying,
            coalesce(before_sub.is_paying, false) as was_paying,
            now_sub.current_period_end
        from days
        cross join {{ ref('stg_hr_organizations') }} as organizations
        {{ hr_subscription_at_end_of('days.day', 'organizations.organization_id', 'now_sub') }}
        {{ hr_subscription_at_end_of('days.day - 30', 'organizations.organization_id', 'before_sub') }}
    ),
    renewals as (
        select
            due.organization_id,
            due.metric_date,
            count(*) as due,
            count(*) filter (
                where organization_days.is_paying and organization_days.current_period_end > due.period_end
            ) as renewed
        from (
            select distinct
                versions.organization_id,
                days.day as metric_date,
                versions.current_period_end as period_end
            from days
            inner join {{ ref('int_hr_organization_versions') }} as versions
                on versions.valid_from < {{ hr_end_of('days.day') }}
                and {{ hr_in_trailing('versions.current_period_end', 'days.day', 30) }}
        ) as due
        inner join organization_days
            on due.organization_id = organization_days.organization_id
            and due.metric_date = organization_days.metric_date
        group by due.organization_id, due.metric_date
    )
    select
        scope.organization_id,
        organization_days.metric_date,
        sum(organization_days.mrr) filter (where organization_days.is_created) as mrr,
        {{ safe_ratio(
            'count(*) filter (where organization_days.was_paying and organization_days.is_paying)',
            'count(*) filter (where organization_days.was_paying)'
        ) }} as customer_retention_rate,
        {{ safe_ratio('coalesce(sum(renewals.renewed), 0)', 'coalesce(sum(renewals.due), 0)') }}
            as subscription_renewal_rate
    from organization_days
    left join renewals
        on organization_days.organization_id = renewals.organization_id
        and organization_days.metric_date = renewals.metric_date
    {{ hr_with_all_organizations_row('organization_days.organization_id') }}
    group by scope.organization_id, organization_days.metric_date
{%- endmacro %}


{#- Workforce figures: turnover (terminations in d-29..d / the mean of the
    headcounts at the end of d-30 and of d), hiring success (of candidates
    with applied_at hired or rejected in d-29..d, the share hired) and time
    to hire (mean days from applied_at to hired_at, hires in d-29..d). -#}
{% macro hr_workforce_figures() -%}
    select
        scope.organization_id,
        days.day as metric_date,
        {{ safe_ratio(
            'count(*) filter (where ' ~ hr_in_trailing('e.terminated_at', 'days.day', 30) ~ ')',
            '(count(*) filter (where ' ~ hr_headcount_at('e', 'days.day - 30') ~ ')'
            ~ ' + count(*) filter (where ' ~ hr_headcount_at('e', 'days.day') ~ ')) / 2.0'
        ) }} as employee_turnover_rate,
        {{ safe_ratio(
            'count(*) filter (where e.applied_at is not null and ' ~ hr_in_trailing('e.hired_at', 'days.day', 30) ~ ')',
            'count(*) filter (where e.applied_at is not null and (' ~ hr_in_trailing('e.hired_at', 'days.day', 30)
            ~ ' or ' ~ hr_in_trailing('e.rejected_at', 'days.day', 30) ~ '))'
        ) }} as hiring_success_rate,
        avg(extract(epoch from e.hired_at - e.applied_at) / 86400) filter (
            where e.applied_at is not null and {{ hr_in_trailing('e.hired_at', 'days.day', 30) }}
        ) as time_to_hire_days
    from days
    cross join {{ ref('stg_hr_employees') }} as e
    {{ hr_with_all_organizations_row('e.organization_id') }}
    group by scope.organization_id, days.day
{%- endmacro %}


{#- Condition: employee `e` is in the headcount at the end of `day` (hired
    before it and not terminated before it). -#}
{% macro hr_headcount_at(e, day) -%}
    ({{ e }}.hired_at < {{ hr_end_of(day) }} and not coalesce({{ e }}.terminated_at < {{ hr_end_of(day) }}, false))
{%- endmacro %}


{#- Churn risk inputs of each organization (docs/metrics.md): distinct
    active users in d-13..d and d-27..d-14, mean CSAT score in d-89..d,
    failed and successful generations requested in d-29..d. -#}
{% macro hr_churn_inputs() -%}
    with users as (
        select
            events.organization_id,
            days.day as metric_date,
            count(distinct events.user_id) filter (
                where {{ hr_in_trailing('events.occurred_at', 'days.day', 14) }}
            ) as recent_users,
            count(distinct events.user_id) filter (
                where {{ hr_in_trailing('events.occurred_at', 'days.day - 14', 14) }}
            ) as prior_users
        from days
        inner join {{ ref('int_hr_activity_events') }} as events
            on events.metric_date between days.day - 27 and days.day
        group by events.organization_id, days.day
    ),
    csat as (
        select
            surveys.organization_id,
            days.day as metric_date,
            avg(surveys.score) as csat_90d
        from days
        inner join {{ ref('int_hr_survey_responses') }} as surveys
            on surveys.metric_date between days.day - 89 and days.day
            and surveys.survey_type = 'CSAT'
        group by surveys.organization_id, days.day
    ),
    reports as (
        select
            generations.organization_id,
            days.day as metric_date,
            count(*) filter (where generations.status = 'FAILED') as failed,
            count(*) filter (where generations.status = 'SUCCESS') as successful
        from days
        inner join {{ ref('int_hr_report_generations') }} as generations
            on generations.metric_date between days.day - 29 and days.day
        group by generations.organization_id, days.day
    )
    select
        organizations.organization_id,
        days.day as metric_date,
        coalesce(users.recent_users, 0) as recent_users,
        coalesce(users.prior_users, 0) as prior_users,
        csat.csat_90d,
        coalesce(reports.failed, 0) as failed_reports,
        coalesce(reports.successful, 0) as successful_reports
    from days
    cross join {{ ref('stg_hr_organizations') }} as organizations
    left join users
        on organizations.organization_id = users.organization_id and days.day = users.metric_date
    left join csat
        on organizations.organization_id = csat.organization_id and days.day = csat.metric_date
    left join reports
        on organizations.organization_id = reports.organization_id and days.day = reports.metric_date
{%- endmacro %}
