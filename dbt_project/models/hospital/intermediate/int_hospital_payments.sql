{#- Live payments (not deleted, nor their invoice), newest version, in their
    invoice's department; counts_as_money when the invoice is non-void and
    in the hospital's currency. -#}

with

payments as (

    select
        id,
        invoice_id,
        paid_at,
        amount
    from {{ ref('stg_hospital_payments') }}
    where not is_deleted

),

invoices as (

    select
        id,
        department_id,
        status,
        currency
    from {{ ref('stg_hospital_invoices') }}
    where not is_deleted

),

final as (

    select
        payment.id as payment_id,
        payment.invoice_id,
        invoice.department_id,
        payment.paid_at,
        {{ hospital_day('payment.paid_at') }} as paid_day,
        payment.amount,
        coalesce(invoice.status <> 'void' and invoice.currency = {{ hospital_currency() }}, false)
            as counts_as_money
    from payments as payment
    left join invoices as invoice on payment.invoice_id = invoice.id

)

select * from final
