{#-
    The tier history counted per period and level: the start of the pyramid's forecast (int_forecast_transitions,
    pyramid_forecast) read once, a few rows per period, instead of the whole history in every step of the chain.
-#}
with history as (

    select * from {{ ref('customer_tier_history') }}

),

level_counts as (

    select
        period_start,
        pyramid_level as level,
        count(*) as customers,
        sum(window_revenue) as revenue,
        max(as_of_date) as as_of_date,
        {#- A period is closed or not as a whole; bool_and over each level's rows, then over the period. -#}
        bool_and(is_period_closed) as is_period_closed
    from history
    group by period_start, pyramid_level

)

select
    period_start,
    cast(dense_rank() over (order by period_start) as integer) as period_number,
    bool_and(is_period_closed) over (partition by period_start) as is_period_closed,
    as_of_date,
    level,
    cast(customers as bigint) as customers,
    cast(revenue as decimal(38, 2)) as revenue
from level_counts
