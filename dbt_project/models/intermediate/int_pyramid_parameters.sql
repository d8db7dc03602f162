{#- The one row of settings every other model reads: as-of date, activity window, market size, outlook horizon. -#}
{%- set as_of_date = var('as_of_date') -%}
{%- set window_days = var('window_days') | int -%}
{%- set market_population = var('market_population') -%}
{%- if window_days < 1 -%}
    {{ exceptions.raise_compiler_error("var window_days must be a whole number of days >= 1; got " ~ var('window_days')) }}
{%- endif -%}

with latest_sale as (

    select max(order_date) as latest_order_date
    from {{ ref('stg_sales') }}

),

as_of as (

    select
        {% if as_of_date -%}
            cast('{{ as_of_date }}' as date)
        {%- else -%}
            latest_order_date
        {%- endif %} as as_of_date
    from latest_sale

)

select
    as_of_date,
    cast({{ window_days }} as integer) as window_days,
    cast({{ dbt.dateadd('day', 1 - window_days, 'as_of_date') }} as date) as window_start_date,
    cast(
        {% if market_population is not none -%}
            {{ market_population | int }}
        {%- else -%}
            null
        {%- endif %} as bigint
    ) as market_population,
    cast({{ outlook_days() }} as integer) as outlook_days
from as_of
