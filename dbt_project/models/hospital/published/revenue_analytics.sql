{{ config(meta={'partition_column': 'metric_date'}) }}

{{ hospital_published('revenue_analytics', ['department_id', 'metric_date'], 'metric_date') }}
