{% macro safe_ratio(numerator, denominator, scale=6) -%}
    {#- numerator / denominator rounded to `scale` decimals as a DECIMAL; null when the denominator is 0. -#}
    cast(round(({{ numerator }}) * 1.0 / nullif({{ denominator }}, 0), {{ scale }}) as decimal(18, {{ scale }}))
{%- endmacro %}

{% macro fail_query(message) -%}
    {#- An expression that aborts the query with `message` when evaluated. -#}
    {{ return(adapter.dispatch('fail_query', 'customer_pyramid')(message)) }}
{%- endmacro %}

{% macro default__fail_query(message) -%}
    error({{ message }})
{%- endmacro %}
