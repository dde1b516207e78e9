{{ config(meta={'partition_column': 'metric_date'}) }}

{{ hospital_published(
    'lab_tests_analytics', ['test_type', 'metric_date'], 'metric_date',
    extra_columns=['abnormal_tests', 'flagged_tests'],
) }}
