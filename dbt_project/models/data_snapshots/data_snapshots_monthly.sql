{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        tags=['data_snapshots'],
        meta={'partition_column': 'snapshot_date', 'partition_time_window': true, 'preview_json_column': 'data'},
        pre_hook="{{ delete_snapshot_periods() }}",
        post_hook="{{ publish_data_snapshots() }}",
        indexes=[{'columns': ['snapshot_date']}],
    )
}}

{#- The months' KPIs from the days of daily_metrics and the users' activity days (macros/data_snapshots.sql). -#}

{{ period_snapshot('monthly', 'month', '1 month') }}
