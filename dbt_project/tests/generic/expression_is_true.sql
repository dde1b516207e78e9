{#- Rows for which the boolean SQL `expression` is false (null passes). -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
