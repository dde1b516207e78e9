{#- Live invoices (not deleted, nor their patient), newest version, and when
    each was paid in full: the paid_at of the payment that brings the sum of
    its live payments (in paid_at, then id order) to its amount or more. -#}

with

invoices as (

    select
        id,
        patient_key,
        department_id,
        issued_at,
        due_at,
        amount,
        currency,
        status
    from {{ ref('stg_hospital_invoices') }}
    where not is_deleted

),

payments as (

    select
        payment_id,
        invoice_id,
        paid_at,
        amount
    from {{ ref('int_hospital_payments') }}

),

running_sums as (

    select
        payment.invoice_id,
        payment.paid_at,
        sum(payment.amount) over (
            partition by payment.invoice_id
            order by payment.paid_at, payment.payment_id
            rows between unbounded preceding and current row
        ) as paid_so_far
    from payments as payment

),

paid_in_full as (

    select
        invoice.id as invoice_id,
        min(running.paid_at) as paid_in_full_at
    from invoices as invoice
    inner join running_sums as running
        on invoice.id = running.invoice_id
        and invoice.amount <= running.paid_so_far
    group by invoice.id

),

final as (

    select
        invoice.id as invoice_id,
        invoice.patient_key,
        invoice.department_id,
        invoice.issued_at,
        {{ hospital_day('invoice.issued_at') }} as issued_day,
        invoice.due_at,
        invoice.amount,
        invoice.currency,
        invoice.currency = {{ hospital_currency() }} as in_hospital_currency,
        invoice.status,
        paid.paid_in_full_at
    from invoices as invoice
    left join paid_in_full as paid on invoice.id = paid.invoice_id

)

select * from final
