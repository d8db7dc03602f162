{#- One row per customer and day with sales on or before the as-of date: the grain the history aggregates. -#}
with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

sales as (

    select stg_sales.*
    from {{ ref('stg_sales') }} as stg_sales
    cross join pyramid_parameters
    where stg_sales.order_date <= pyramid_parameters.as_of_date

)

select
    customer_id,
    order_date,
    cast(sum(amount) as decimal(38, 2)) as revenue,
    coalesce(bool_or(amount > 0), false) as has_purchase
from sales
group by customer_id, order_date
