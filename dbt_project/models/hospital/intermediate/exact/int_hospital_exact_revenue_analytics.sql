{#- revenue_analytics' exact figures: each department for every day from
    its first invoice's issue day (or, when earlier, the day of a payment
    paid before its invoice was issued) to the as-of date, and the
    all-departments row (department_id null) from the first such day. Money
    in the hospital's currency only, no void invoice nor its payments. The
    receivables are stocks: the running sums of int_hospital_receivable_changes
    up to d. -#}

with

invoices as (

    select
        invoice_id,
        department_id,
        issued_at,
        issued_day,
        due_at,
        amount,
        status,
        in_hospital_currency,
        paid_in_full_at
    from {{ ref('int_hospital_invoices') }}

),

money_invoices as (

    select
        invoice_id,
        department_id,
        issued_at,
        issued_day,
        amount,
        paid_in_full_at,
        greatest({{ hospital_duration('paid_in_full_at', 'issued_at', 86400) }}, 0)
            as days_to_payment
    from invoices
    where status <> 'void' and in_hospital_currency

),

money_payments as (

    select
        department_id,
        paid_day,
        amount
    from {{ ref('int_hospital_payments') }}
    where counts_as_money

),

rows_of_days as (

    select
        first_invoice.department_id,
        generate_series(
            first_invoice.first_day::timestamp,
            {{ hospital_as_of_date() }}::timestamp,
            interval '1 day'
        )::date as metric_date
    from (
        select
            first_fact.department_id,
            min(first_fact.fact_day) as first_day
        from (
            select
                department_id,
                issued_day as fact_day
            from invoices
            union all
            select
                department_id,
                paid_day
            from money_payments
        ) as first_fact
        group by grouping sets ((first_fact.department_id), ())
    ) as first_invoice

),

issued as (

    select
        department_id,
        issued_day as metric_date,
        count(*) filter (where in_hospital_currency) as invoices_issued,
        coalesce(sum(amount) filter (where in_hospital_currency), 0) as billed_amount,
        count(*) filter (where not in_hospital_currency) as invoices_other_currency
    from invoices
    where status <> 'void'
    group by grouping sets ((department_id, issued_day), (issued_day))

),

received as (

    select
        department_id,
        paid_day as metric_date,
        count(*) as payments_received,
        sum(amount) as collected_amount
    from money_payments
    group by grouping sets ((department_id, paid_day), (paid_day))

),

paid_in_full as (

    select
        department_id,
        {{ hospital_day('paid_in_full_at') }} as metric_date,
        count(*) as invoices_paid_in_full,
        {{ hospital_percentile(0.5, 'days_to_payment') }} as time_to_payment_p50_days,
        {{ hospital_mean('days_to_payment') }} as avg_time_to_payment_days
    from money_invoices
    where amount > 0 and paid_in_full_at is not null
    group by
        grouping sets (
            (department_id, {{ hospital_day('paid_in_full_at') }}),
            ({{ hospital_day('paid_in_full_at') }})
        )

),

stocks as (

    select
        daily.department_id,
        daily.metric_date,
        coalesce(sum(change_row.outstanding_delta) over by_day, 0) as outstanding_receivables,
        coalesce(sum(change_row.open_delta) over by_day, 0)::bigint as open_invoices,
        coalesce(sum(change_row.overdue_delta) over by_day, 0) as overdue_receivables,
        coalesce(sum(change_row.overdue_count_delta) over by_day, 0)::bigint as overdue_invoices
    from rows_of_days as daily
    left join {{ ref('int_hospital_receivable_changes') }} as change_row
        on daily.metric_date = change_row.metric_date
        and daily.department_id is not distinct from change_row.department_id
    window by_day as (partition by daily.department_id order by daily.metric_date)

),

final as (

    select  -- noqa: ST06
        stock.department_id,
        stock.metric_date,
        coalesce(issue.invoices_issued, 0) as invoices_issued,
        coalesce(issue.billed_amount, 0) as billed_amount,
        coalesce(issue.invoices_other_currency, 0) as invoices_other_currency,
        coalesce(receipt.payments_received, 0) as payments_received,
        coalesce(receipt.collected_amount, 0) as collected_amount,
        stock.outstanding_receivables,
        stock.open_invoices,
        stock.overdue_receivables,
        stock.overdue_invoices,
        coalesce(full_payment.invoices_paid_in_full, 0) as invoices_paid_in_full,
        full_payment.time_to_payment_p50_days,
        full_payment.avg_time_to_payment_days
    from stocks as stock
    left join issued as issue
        on stock.metric_date = issue.metric_date
        and stock.department_id is not distinct from issue.department_id
    left join received as receipt
        on stock.metric_date = receipt.metric_date
        and stock.department_id is not distinct from receipt.department_id
    left join paid_in_full as full_payment
        on stock.metric_date = full_payment.metric_date
        and stock.department_id is not distinct from full_payment.department_id

)

select * from final
