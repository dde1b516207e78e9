{#- The newest version of each payment; its deletion marked (its own, or its
    invoice's, which cascades from the invoice's patient). -#}

{{ hospital_staged_rows('payments', [
    'invoice_id', 'paid_at', 'amount', 'method', 'created_at', 'updated_at', 'deleted_at'
], parent=('stg_hospital_invoices', 'invoice_id')) }}
