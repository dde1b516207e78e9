{#- Rows whose combination of `columns` occurs more than once (nulls compare equal). -#}
{% test unique_combination(model, columns) %}
    {%- set column_list = columns | join(', ') -%}
    select {{ column_list }}, count(*) as occurrences
    from {{ model }}
    group by {{ column_list }}
    having count(*) > 1
{% endtest %}
