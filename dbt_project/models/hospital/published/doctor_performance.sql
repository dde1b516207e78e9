{{ config(meta={'partition_column': 'month_start'}) }}

{{ hospital_published(
    'doctor_performance', ['doctor_id', 'month_start'], 'month_start',
    extra_columns=['duration_rows'],
) }}
