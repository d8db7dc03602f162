{#-
    The periods of the tier history, from the one holding the first sale to the one holding the as-of date.
    A period's standing is taken at its last day, or at the as-of date for the period still running.
-#}
{%- set period = history_period() -%}

with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

bounds as (

    select
        cast(date_trunc('{{ period }}', min(stg_sales.order_date)) as date) as first_start,
        cast(date_trunc('{{ period }}', pyramid_parameters.as_of_date) as date) as last_start
    from {{ ref('stg_sales') }} as stg_sales
    cross join pyramid_parameters
    where stg_sales.order_date <= pyramid_parameters.as_of_date
    group by pyramid_parameters.as_of_date

),

starts as (

    {{ period_starts('(select first_start from bounds)', '(select last_start from bounds)', period) }}

),

periods as (

    select
        period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd(period, 1, 'period_start')) }} as date) as period_end
    from starts

)

select
    periods.period_start,
    periods.period_end,
    least(periods.period_end, pyramid_parameters.as_of_date) as as_of_date,
    periods.period_end <= pyramid_parameters.as_of_date as is_period_closed,
    cast(row_number() over (order by periods.period_start) as integer) as period_number
from periods
cross join pyramid_parameters
