{{
    config(
        meta={'partition_column': 'week_start', 'partition_end_column': 'week_end'},
        pre_hook="{{ delete_learning_recomputed(
            'week_start', period_end_column='week_end', reach_days=7
        ) }}",
        indexes=[{'columns': ['week_start']}],
    )
}}

-- depends_on: {{ ref('stg_users') }}

{#-
    A week (ISO, Monday start) is rebuilt when it contains a rebuilt day;
    its previous week is computed alongside (not stored again) for the
    week-over-week changes. The week of the as-of date holds the days up to
    the as-of date only.
-#}

{%- set changed_metrics = [
    'active_days', 'study_sessions', 'study_minutes', 'attempts', 'materials_completed'
] %}

with

rebuilt_days as (

    {{ learning_recompute_days(reach_days=7) }}

),

rebuilt_weeks as (

    select distinct date_trunc('week', day::timestamp)::date as week_start
    from rebuilt_days

),

bounds as (

    select
        min(week_start) - 7 as first_day,
        {{ as_of_date() }} as last_day
    from rebuilt_weeks

),

facts as (

    select
        fact,
        activity_date,
        workspace_id,
        user_id,
        topic_id,
        is_correct,
        study_minutes
    from {{ ref('int_learning_facts') }}
    where activity_date between (select first_day from bounds) and (select last_day from bounds)

),

weekly as (

    select
        workspace_id,
        user_id,
        date_trunc('week', activity_date::timestamp)::date as week_start,
        count(distinct activity_date) as active_days,
        count(*) filter (where fact = 'session') as study_sessions,
        coalesce(trim_scale(sum(study_minutes)), 0) as study_minutes,
        count(*) filter (where fact = 'attempt') as attempts,
        count(*) filter (where fact = 'attempt' and is_correct) as correct_attempts,
        count(*) filter (where fact = 'interaction') as material_interactions,
        count(*) filter (where fact = 'completion') as materials_completed,
        count(distinct topic_id) filter (where fact in ('attempt', 'interaction')) as topics_touched
    from facts
    group by date_trunc('week', activity_date::timestamp)::date, workspace_id, user_id

),

with_previous as (

    select
        this_week.week_start,
        this_week.workspace_id,
        this_week.user_id,
        this_week.active_days,
        this_week.study_sessions,
        this_week.study_minutes,
        this_week.attempts,
        this_week.correct_attempts,
        {{ safe_ratio('this_week.correct_attempts', 'this_week.attempts') }} as accuracy,
        this_week.material_interactions,
        this_week.materials_completed,
        this_week.topics_touched,
        {%- for metric in changed_metrics %}
        coalesce(previous_week.{{ metric }}, 0) as previous_{{ metric }},
        {%- endfor %}
        {{ safe_ratio(
            'previous_week.correct_attempts', 'previous_week.attempts'
        ) }} as previous_accuracy
    from weekly as this_week
    left join weekly as previous_week
        on previous_week.week_start = this_week.week_start - 7
        and this_week.workspace_id = previous_week.workspace_id
        and this_week.user_id = previous_week.user_id
    where this_week.week_start in (select week_start from rebuilt_weeks)

),

final as (

    select
        week_start,
        week_start + 6 as week_end,
        workspace_id,
        user_id,
        active_days,
        study_sessions,
        study_minutes,
        attempts,
        correct_attempts,
        accuracy,
        material_interactions,
        materials_completed,
        topics_touched,
        {%- for metric in changed_metrics %}
        {{ metric }} - previous_{{ metric }} as {{ metric }}_change,
        {{ change_pct(metric, 'previous_' ~ metric) }} as {{ metric }}_change_pct,
        {%- endfor %}
        accuracy - previous_accuracy as accuracy_change
    from with_previous

)

select * from final
