{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ hr_delete_recomputed(reach_days=none) }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

{#- Trailing windows and the subscription history: a dirty day reaches every
    later day (reach_days=none). The figure families are macros of
    macros/hr_business_impact.sql. -#}

with

days as (

    {{ hr_recompute_days(reach_days=none) }}

),

spine as (

    {{ hr_organization_days() }}

),

subscriptions as (

    {{ hr_subscription_figures() }}

),

workforce as (

    {{ hr_workforce_figures() }}

),

feedback_facts as (

    select
        survey_type as kind,
        organization_id,
        metric_date,
        score,
        null::boolean as flag
    from {{ ref('int_hr_survey_responses') }}
    union all
    select
        'chat' as kind,
        organization_id,
        metric_date,
        null as score,
        was_helpful as flag
    from {{ ref('int_hr_chat_sessions') }}
    union all
    select
        'quarterly' as kind,
        organization_id,
        metric_date,
        null as score,
        status = 'SUCCESS' as flag
    from {{ ref('int_hr_report_generations') }}
    where is_quarterly_update

),

feedback as (

    select
        scope.organization_id,
        days.day as metric_date,
        avg(facts.score) filter (where facts.kind = 'CSAT') as average_user_satisfaction_score,
        100.0 * (
            count(*) filter (where facts.kind = 'NPS' and facts.score >= 9)
            - count(*) filter (where facts.kind = 'NPS' and facts.score <= 6)
        ) / nullif(count(*) filter (where facts.kind = 'NPS'), 0) as nps_score,
        {{ safe_ratio(
            "count(*) filter (where facts.kind = 'chat' and facts.flag)",
            "count(facts.flag) filter (where facts.kind = 'chat')"
        ) }} as ai_consultation_satisfaction_rate,
        {{ safe_ratio(
            "count(*) filter (where facts.kind = 'quarterly' and facts.flag)",
            "count(*) filter (where facts.kind = 'quarterly')"
        ) }} as quarterly_report_completion_rate
    from days
    inner join feedback_facts as facts
        on facts.metric_date between days.day - 29 and days.day
    {{ hr_with_all_organizations_row('facts.organization_id') }}
    group by scope.organization_id, days.day

),

churn_inputs as (

    {{ hr_churn_inputs() }}

),

churn as (

    select
        churn_inputs.organization_id,
        churn_inputs.metric_date,
        case
            when subscription.subscription_status in ('CANCELLED', 'EXPIRED') then 1
            else
                0.50 * case
                    when churn_inputs.prior_users = 0
                        then case when churn_inputs.recent_users > 0 then 0 else 1 end
                    else greatest(
                            0, 1 - churn_inputs.recent_users::numeric / churn_inputs.prior_users
                        )
                end
                + 0.25 * coalesce((5 - churn_inputs.csat_90d) / 4, 0.5)
                + 0.15 * coalesce(
                    churn_inputs.failed_reports::numeric
                    / nullif(churn_inputs.failed_reports + churn_inputs.successful_reports, 0),
                    0
                )
                + 0.10 * case
                    when subscription.subscription_status = 'TRIAL'
                        and subscription.trial_ends_at
                        < {{ hr_end_of('churn_inputs.metric_date + 7') }}
                        then 1
                    else 0
                end
        end as churn_risk_score
    from churn_inputs
    {{ hr_subscription_at_end_of('churn_inputs.metric_date', 'churn_inputs.organization_id') }}

),

final as (

    select  -- noqa: ST06
        spine.organization_id,
        spine.metric_date,
        coalesce(subscriptions.mrr, 0) as mrr,
        12 * coalesce(subscriptions.mrr, 0) as arr,
        subscriptions.customer_retention_rate,
        subscriptions.subscription_renewal_rate,
        trim_scale(feedback.average_user_satisfaction_score) as average_user_satisfaction_score,
        trim_scale(feedback.nps_score) as nps_score,
        workforce.employee_turnover_rate,
        workforce.hiring_success_rate,
        trim_scale(workforce.time_to_hire_days) as time_to_hire_days,
        feedback.ai_consultation_satisfaction_rate,
        feedback.quarterly_report_completion_rate,
        trim_scale(churn.churn_risk_score) as churn_risk_score
    from spine
    left join subscriptions on {{ hr_same_scope('spine', 'subscriptions') }}
    left join workforce on {{ hr_same_scope('spine', 'workforce') }}
    left join feedback on {{ hr_same_scope('spine', 'feedback') }}
    left join churn
        on spine.organization_id = churn.organization_id
        and spine.metric_date = churn.metric_date

)

select * from final
