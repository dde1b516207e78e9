{{ config(meta={'partition_column': 'metric_date'}) }}

{{ hospital_published('medical_records_analytics', ['metric_date'], 'metric_date') }}
