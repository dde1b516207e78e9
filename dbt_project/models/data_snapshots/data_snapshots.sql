{{
    config(
        materialized='view',
        meta={'partition_column': 'snapshot_date', 'preview_json_column': 'data'},
        pre_hook='{{ drop_view_made_elsewhere(this) }}',
    )
}}

{#-
    The published union of the four period tables (only those that exist
    when the view is built; the period models recreate it as they build,
    macros/data_snapshots.sql). The pre_hook drops the view a period model
    of the same dbt invocation created: dbt does not know of it and would
    fail renaming its new view onto it.
-#}

{{ data_snapshots_union(existing_relations([
    ref('data_snapshots_hourly'),
    ref('data_snapshots_daily'),
    ref('data_snapshots_weekly'),
    ref('data_snapshots_monthly'),
])) }}
