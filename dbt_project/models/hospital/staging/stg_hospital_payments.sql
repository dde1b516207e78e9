{#- The newest version of each payment; its deletion marked (its own, or its
    invoice's, which cascades from the invoice's patient). -#}

with

source as (

    select
        id,
        invoice_id,
        paid_at,
        amount,
        method,
        created_at,
        updated_at,
        deleted_at,
        _ingested_at,
        _source_file,
        _source_line,
        _batch_id
    from {{ source('raw', 'hospital_payments') }}

),

newest_version as (

    {{ latest_per_key('source', ['id'], version_column='updated_at') }}

),

invoices as (

    select
        id,
        is_deleted
    from {{ ref('stg_hospital_invoices') }}

),

final as (

    select
        payment.id,
        payment.invoice_id,
        payment.paid_at,
        payment.amount,
        payment.method,
        payment.created_at,
        payment.updated_at,
        payment.deleted_at,
        {{ hospital_row_deleted('payments', 'payment') }}
        or coalesce(invoice.is_deleted, false) as is_deleted,
        payment._ingested_at,
        payment._batch_id
    from newest_version as payment
    left join invoices as invoice on payment.invoice_id = invoice.id

)

select * from final
