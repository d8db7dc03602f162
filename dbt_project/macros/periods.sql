{#- The periods of the tier history (var `history_period`), and the series of their first days. -#}

{% macro history_period() -%}
    {%- set period = var('history_period') | string | trim | lower -%}
    {%- if period not in ['week', 'month', 'quarter'] -%}
        {{ exceptions.raise_compiler_error("var history_period must be week, month or quarter; got " ~ period) }}
    {%- endif -%}
    {{ return(period) }}
{%- endmacro %}

{% macro period_starts(first_start, last_start, period) -%}
    {#- A one-column query (`period_start`, a date) of the first days from first_start to last_start. -#}
    {{ return(adapter.dispatch('period_starts', 'customer_pyramid')(first_start, last_start, period)) }}
{%- endmacro %}

{% macro default__period_starts(first_start, last_start, period) -%}
    select cast(unnest(generate_series(
        cast({{ first_start }} as timestamp), cast({{ last_start }} as timestamp), interval '1 {{ period }}'
    )) as date) as period_start
{%- endmacro %}
