{{ config(meta={'partition_column': 'month_start'}) }}

{{ hospital_published(
    'monthly_summary', ['month_start'], 'month_start',
    extra_columns=['invoices_issued', 'payments_received', 'open_invoices_end'],
) }}
