{{ config(meta={'partition_column': 'metric_date'}) }}

{{ hospital_published('patient_analytics', ['metric_date'], 'metric_date') }}
