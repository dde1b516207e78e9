{#-
    IP anonymization for staging: an IPv4 address keeps its /24 network
    ('203.0.113.77' -> '203.0.113.0'), an IPv6 address its /48
    ('2001:db8:abcd:12::1' -> '2001:db8:abcd::'). Surrounding blanks are
    ignored. Anything that is not a single address - garbage, empty strings,
    CIDR notation such as '10.0.0.0/8' - becomes null; the query never fails.

    PostgreSQL >= 16 validates with pg_input_is_valid(); PostgreSQL 15 calls
    the safe-cast function that create_inet_fallback_function() creates on
    run start. The var force_inet_cast_fallback takes the 15 path anywhere.
-#}
{% macro anonymize_ip(column) -%}
    {%- set address = safe_inet(column) -%}
    host(network(set_masklen({{ address }}, case family({{ address }}) when 4 then 24 else 48 end)))
{%- endmacro %}


{#- `column` (text) as inet, or null when it is not a single IP address. -#}
{% macro safe_inet(column) -%}
    {%- set candidate = "nullif(btrim(" ~ column ~ "), '')" -%}
    {%- if inet_cast_needs_fallback() -%}
        {{ inet_fallback_function() }}({{ candidate }})
    {%- else -%}
        {#- The cast sits outside the (stable) case so that the planner never
            folds it over a constant that is not an address (unit-test inputs
            are constants); at run time it only ever sees valid input. -#}
        (case
            when strpos({{ candidate }}, '/') = 0 and pg_input_is_valid({{ candidate }}, 'inet')
                then {{ candidate }}
        end)::inet
    {%- endif -%}
{%- endmacro %}


{#- Lives next to the model that calls it: schema staging. -#}
{% macro inet_fallback_schema() -%}
    {{ generate_schema_name('staging', none) }}
{%- endmacro %}


{% macro inet_fallback_function() -%}
    {{ inet_fallback_schema() }}.try_cast_inet
{%- endmacro %}


{#- True on PostgreSQL < 16 (no pg_input_is_valid) or when forced by var. -#}
{% macro inet_cast_needs_fallback() -%}
    {%- if var('force_inet_cast_fallback', false) | string | lower in ('true', '1', 'yes') -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set result = run_query("select current_setting('server_version_num')::int") -%}
    {{ return(result.columns[0].values()[0] < 160000) }}
{%- endmacro %}


{#-
    on-run-start hook: on PostgreSQL < 16 (or when forced) create the
    safe-cast function that safe_inet() calls; otherwise do nothing.
-#}
{% macro create_inet_fallback_function() -%}
    {%- if execute and inet_cast_needs_fallback() -%}
        create schema if not exists {{ inet_fallback_schema() }};
        create or replace function {{ inet_fallback_function() }}(value text)
        returns inet
        language plpgsql
        immutable
        strict
        as $body$
        begin
            if strpos(value, '/') > 0 then
                return null;
            end if;
            return value::inet;
        exception
            when others then
                return null;
        end;
        $body$;
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
