{{ config(meta={'partition_column': 'metric_date'}) }}

{{ hospital_published(
    'appointment_analytics', ['department_id', 'metric_date'], 'metric_date',
    extra_columns=['waiting_time_rows', 'duration_rows'],
) }}
