{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ qms_delete_recomputed() }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

{#- Lab results per test and day (docs/metrics.md, "lab_quality"): counts of
    the records in qms_kpi_records. -#}

with

days as (

    {{ qms_recompute_days() }}

),

spine as (

    {{ qms_scope_days(
        "select test_code, min(" ~ qms_day('resulted_at') ~ ") as first_day from "
        ~ ref('stg_qms_lab_results') ~ " group by test_code",
        ['test_code']
    ) }}

),

records as (

    {{ qms_table_records('lab_quality', ['test_code']) }}

),

figures as (

    select
        test_code,
        metric_date,
        {%- for kpi in ['results', 'samples', 'evaluable_results', 'oos_results'] %}
        {{ qms_count(kpi) }} as {{ kpi }},
        {%- endfor %}
        {{ qms_count('flag_mismatches') }} as flag_mismatches,
        (percentile_cont(0.5) within group (order by value) filter (
            where kpi = 'turnaround_hours'
        ))::numeric as turnaround_p50_hours,
        (percentile_cont(0.9) within group (order by value) filter (
            where kpi = 'turnaround_hours'
        ))::numeric as turnaround_p90_hours
    from records
    group by test_code, metric_date

),

final as (

    select  -- noqa: ST06
        spine.test_code,
        spine.metric_date,
        coalesce(figures.results, 0) as results,
        coalesce(figures.samples, 0) as samples,
        coalesce(figures.evaluable_results, 0) as evaluable_results,
        coalesce(figures.oos_results, 0) as oos_results,
        {{ safe_ratio('figures.oos_results', 'figures.evaluable_results') }} as oos_rate,
        coalesce(figures.flag_mismatches, 0) as flag_mismatches,
        figures.turnaround_p50_hours,
        figures.turnaround_p90_hours
    from spine
    left join figures
        on spine.test_code = figures.test_code
        and spine.metric_date = figures.metric_date

)

select * from final
