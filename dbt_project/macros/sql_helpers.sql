{#-
    Division and rounding that give the same digits on every engine. DuckDB divides decimals in floating point
    (1275.03 / 2 = 637.51499... rounds to 637.51), Spark in decimals (637.52): both are replaced by integer
    arithmetic on the values scaled by 10^6, rounded half away from zero, which is exact for inputs with up to
    six decimals.
-#}

{% macro safe_ratio(numerator, denominator, scale=6, precision=18) -%}
    {#- numerator / denominator, rounded half away from zero to `scale` decimals, as DECIMAL(precision, scale);
        null when the denominator is 0 or null. At most six decimals: Spark keeps only six of a product of
        precision 38 (it would round the last step to 6 digits where DuckDB keeps them all). -#}
    {%- if scale > 6 -%}
        {{ exceptions.raise_compiler_error("safe_ratio gives at most 6 decimals on every engine; asked for " ~ scale) }}
    {%- endif -%}
    {%- set n = scaled_integer(numerator) -%}
    {%- set d = scaled_integer(denominator) -%}
    {%- set quotient = integer_divide(
        'abs(' ~ n ~ ') * ' ~ (2 * 10 ** scale) ~ ' + abs(' ~ d ~ ')', '2 * abs(' ~ d ~ ')') -%}
    cast(
        cast(
            case
                when {{ d }} = 0 then null
                when ({{ n }} < 0) != ({{ d }} < 0) then -{{ quotient }}
                else {{ quotient }}
            end as decimal(38, 0)
        ) * cast('{{ '%.*f' | format(scale, 10 ** -scale) }}' as decimal({{ scale + 1 }}, {{ scale }}))
        as decimal({{ precision }}, {{ scale }})
    )
{%- endmacro %}

{% macro average(column, scale, precision=18) -%}
    {#- avg(column) as an exact, rounded ratio of its sum and count (an aggregate). -#}
    {{ safe_ratio('sum(' ~ column ~ ')', 'count(' ~ column ~ ')', scale, precision) }}
{%- endmacro %}

{% macro round_decimal(value, scale, precision=18) -%}
    {#- A value with at most six decimals (a median, an average) rounded half away from zero to `scale`:
        through DECIMAL first, so a floating-point 10.245 (10.24499...) is rounded as 10.245. -#}
    cast(round(cast({{ value }} as decimal(38, 6)), {{ scale }}) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro scaled_integer(value) -%}
    cast(cast({{ value }} as decimal(38, 6)) * 1000000 as {{ exact_integer_type() }})
{%- endmacro %}

{% macro exact_integer_type() -%}
    {{ return(adapter.dispatch('exact_integer_type', 'customer_pyramid')()) }}
{%- endmacro %}

{% macro default__exact_integer_type() -%}
    hugeint
{%- endmacro %}

{% macro spark__exact_integer_type() -%}
    decimal(38, 0)
{%- endmacro %}

{% macro integer_divide(dividend, divisor) -%}
    {#- Integer division of non-negative integers, rounded down. -#}
    {{ return(adapter.dispatch('integer_divide', 'customer_pyramid')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) div ({{ divisor }}))
{%- endmacro %}

{% macro fail_query(message) -%}
    {#- An expression that aborts the query with `message` when evaluated. -#}
    {{ return(adapter.dispatch('fail_query', 'customer_pyramid')(message)) }}
{%- endmacro %}

{% macro default__fail_query(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__fail_query(message) -%}
    raise_error({{ message }})
{%- endmacro %}
