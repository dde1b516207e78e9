{#- The months' KPIs from the days of daily_metrics and the users' activity days
    (macros/data_snapshots.sql). -#}

{{ period_snapshot('monthly', 'month', '1 month') }}
