{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ qms_delete_recomputed() }}",
        indexes=[{'columns': ['metric_date', 'table_name']}],
    )
}}

{#- The drill-through of the QMS tables: one row per record a count of a
    QMS table's row counts (kpi = the published column), and per record a
    mean or percentile is over (kpi = days_to_close_<severity>,
    review_cycle_days, turnaround_hours, score, rpn; `value` = the record's
    figure). The QMS tables are aggregates of these rows, so a count and
    its records cannot disagree. The kpi rows per table are macros
    (macros/qms_records.sql). -#}

with

days as (

    {{ qms_recompute_days() }}

),

final as (

    {{ qms_quality_event_records() }}
    union all
    {{ qms_training_records() }}
    union all
    {{ qms_document_records() }}
    union all
    {{ qms_lab_records() }}
    union all
    {{ qms_risk_records() }}

)

select * from final
