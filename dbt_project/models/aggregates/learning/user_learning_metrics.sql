{{
    config(
        meta={'partition_column': 'as_of_date'},
        pre_hook="{{ delete_learning_recomputed('as_of_date', reach_days=none) }}",
        indexes=[{'columns': ['as_of_date']}],
    )
}}

-- depends_on: {{ ref('stg_users') }}

{#-
    Built from daily_user_stats over each user's whole history: a dense
    calendar per (workspace, user) from their first learning day, so that
    the rolling windows are row frames and streaks are runs of rows.
    Streak day: at least one question attempt or material interaction.
-#}

{%- set windows = [('30d', 29), ('90d', 89), ('all_time', none)] %}

with

as_of_dates as (

    {{ learning_recompute_days(reach_days=none) }}

),

bounds as (

    select max(day) as last_day
    from as_of_dates

),

daily as (

    select
        stat_date,
        workspace_id,
        user_id,
        attempts,
        correct_attempts,
        study_minutes,
        materials_completed,
        attempts + material_interactions > 0 as is_streak_day
    from {{ ref('daily_user_stats') }}
    where stat_date <= (select last_day from bounds)

),

learners as (

    select
        workspace_id,
        user_id,
        min(stat_date) as first_date
    from daily
    group by workspace_id, user_id

),

calendar as (

    select
        learners.workspace_id,
        learners.user_id,
        calendar_day.day::date as day
    from learners
    cross join lateral generate_series(
        learners.first_date::timestamp,
        (select last_day from bounds)::timestamp,
        interval '1 day'
    ) as calendar_day (day)

),

dense as (

    select
        calendar.workspace_id,
        calendar.user_id,
        calendar.day,
        coalesce(daily.attempts, 0) as attempts,
        coalesce(daily.correct_attempts, 0) as correct_attempts,
        coalesce(daily.study_minutes, 0) as study_minutes,
        coalesce(daily.materials_completed, 0) as materials_completed,
        coalesce(daily.is_streak_day, false) as is_streak_day
    from calendar
    left join daily
        on calendar.workspace_id = daily.workspace_id
        and calendar.user_id = daily.user_id
        and calendar.day = daily.stat_date

),

-- A run of streak days follows the latest day without one: number those.
runs as (

    select
        workspace_id,
        user_id,
        day,
        attempts,
        correct_attempts,
        study_minutes,
        materials_completed,
        is_streak_day,
        count(*) filter (where not is_streak_day) over user_days as run_number
    from dense
    window user_days as (partition by workspace_id, user_id order by day rows unbounded preceding)

),

run_lengths as (

    select
        workspace_id,
        user_id,
        day,
        attempts,
        correct_attempts,
        study_minutes,
        materials_completed,
        is_streak_day,
        count(*) filter (where is_streak_day) over (
            partition by workspace_id, user_id, run_number
            order by day
            rows unbounded preceding
        ) as run_length
    from runs

),

rolling as (

    select
        workspace_id,
        user_id,
        day,
        {%- for name, preceding in windows %}
        {%- set frame = 'rows unbounded preceding' if preceding is none
            else 'rows between ' ~ preceding ~ ' preceding and current row' %}
        sum(attempts) over (by_day {{ frame }})::bigint as attempts_{{ name }},
        sum(correct_attempts) over (by_day {{ frame }})::bigint as correct_attempts_{{ name }},
        trim_scale(sum(study_minutes) over (by_day {{ frame }})) as study_minutes_{{ name }},
        sum(materials_completed) over (by_day {{ frame }})::bigint
            as materials_completed_{{ name }},
        {%- endfor %}
        case
            when is_streak_day then run_length
            else coalesce(lag(run_length) over by_day, 0)
        end as current_streak,
        max(run_length) over (by_day rows unbounded preceding) as longest_streak,
        max(case when is_streak_day then day end) over (by_day rows unbounded preceding)
            as last_active_date
    from run_lengths
    window by_day as (partition by workspace_id, user_id order by day)

),

final as (

    select
        day as as_of_date,
        workspace_id,
        user_id,
        {%- for name, preceding in windows %}
        attempts_{{ name }},
        correct_attempts_{{ name }},
        {{ safe_ratio('correct_attempts_' ~ name, 'attempts_' ~ name) }} as accuracy_{{ name }},
        study_minutes_{{ name }},
        materials_completed_{{ name }},
        {%- endfor %}
        current_streak,
        longest_streak,
        last_active_date
    from rolling
    where day in (select day from as_of_dates)

)

select * from final
