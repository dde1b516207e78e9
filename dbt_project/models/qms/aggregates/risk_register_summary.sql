{{
    config(
        meta={'partition_column': 'metric_date'},
        pre_hook="{{ qms_delete_recomputed() }}",
        indexes=[{'columns': ['metric_date']}],
    )
}}

{#- The risk register per module, mitigation status and day (docs/metrics.md,
    "risk_register_summary"): the risks of qms_kpi_records in the state in
    effect at the end of the day; a row exists when it has a risk. -#}

with

days as (

    {{ qms_recompute_days() }}

),

records as (

    {{ qms_table_records('risk_register_summary', ['module', 'mitigation_status']) }}

),

final as (

    select
        module,
        mitigation_status,
        metric_date,
        {{ qms_count('risks') }} as risks,
        avg(value) filter (where kpi = 'risks') as mean_rpn,
        max(value) filter (where kpi = 'risks') as max_rpn,
        {{ qms_count('high_priority_risks') }} as high_priority_risks
    from records
    group by module, mitigation_status, metric_date

)

select * from final
