{#- The hospital KPIs as analytics_metrics publishes them: the exact values
    (int_hospital_exact_kpis) with the small cells hidden (null; analytics_metrics
    has no marker column: docs/metrics.md, "Hospital KPIs in analytics_metrics").
    Not published itself: analytics_metrics copies its rows. -#}
{{
    config(
        schema='intermediate',
        meta={'partition_column': 'period_start', 'partition_end_column': 'period_end'},
    )
}}

{{ hospital_published(
    'kpis', ['workspace_id', 'period_type', 'period_start', 'metric_name'], 'period_start',
    extra_columns=['value_rows', 'previous_rows', 'value_numerator', 'previous_numerator'],
) }}
