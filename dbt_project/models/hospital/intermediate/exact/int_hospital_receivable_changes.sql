{#- The changes of the receivables stocks of revenue_analytics, per
    (department, day) and for all departments (department_id null): an
    invoice's balance greatest(0, amount - its payments so far) changes on
    its issue day, its payment days and (for the overdue part) its due day;
    each change adds the difference to the stock. Payments on or before the
    issue day count on the issue day (the invoice is outstanding from then
    on). Money invoices only: non-void, in the hospital's currency. -#}

with

money_invoices as (

    select
        invoice_id,
        department_id,
        issued_day,
        {{ hospital_day('due_at') }} as due_day,
        amount
    from {{ ref('int_hospital_invoices') }}
    where status <> 'void' and in_hospital_currency

),

money_payments as (

    select
        invoice_id,
        paid_day,
        amount
    from {{ ref('int_hospital_payments') }}
    where counts_as_money

),

change_days as (

    {#- The days an invoice's balance or overdue state may change. -#}

    select
        invoice_id,
        issued_day as change_day
    from money_invoices
    union
    select
        payment.invoice_id,
        payment.paid_day
    from money_payments as payment
    inner join money_invoices as invoice on payment.invoice_id = invoice.invoice_id
    where payment.paid_day > invoice.issued_day
    union
    select
        invoice_id,
        due_day
    from money_invoices
    where due_day > issued_day

),

balances as (

    select
        invoice.invoice_id,
        invoice.department_id,
        change_row.change_day,
        greatest(invoice.amount - coalesce((
            select sum(payment.amount)
            from money_payments as payment
            where payment.invoice_id = invoice.invoice_id
                and payment.paid_day <= change_row.change_day
        ), 0), 0) as balance,
        invoice.due_day <= change_row.change_day as is_due
    from money_invoices as invoice
    inner join change_days as change_row on invoice.invoice_id = change_row.invoice_id

),

stock_states as (

    select
        invoice_id,
        department_id,
        change_day,
        balance as outstanding,
        (balance > 0)::int as open_count,
        case when is_due then balance else 0 end as overdue,
        (is_due and balance > 0)::int as overdue_count
    from balances

),

final as (

    select
        department_id,
        change_day as metric_date,
        sum(outstanding - coalesce(previous_outstanding, 0)) as outstanding_delta,
        sum(open_count - coalesce(previous_open_count, 0)) as open_delta,
        sum(overdue - coalesce(previous_overdue, 0)) as overdue_delta,
        sum(overdue_count - coalesce(previous_overdue_count, 0)) as overdue_count_delta
    from (
        select
            department_id,
            change_day,
            outstanding,
            open_count,
            overdue,
            overdue_count,
            lag(outstanding) over by_invoice as previous_outstanding,
            lag(open_count) over by_invoice as previous_open_count,
            lag(overdue) over by_invoice as previous_overdue,
            lag(overdue_count) over by_invoice as previous_overdue_count
        from stock_states
        window by_invoice as (partition by invoice_id order by change_day)
    ) as state
    group by grouping sets ((department_id, change_day), (change_day))

)

select * from final
