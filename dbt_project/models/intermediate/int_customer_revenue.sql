{#-
    Purchases and revenue per customer on or before the as-of date; sales after it are ignored. Read from the
    daily grain (int_customer_daily_sales), so a daily run does not rescan every sales line. An order counts
    once on each day it has purchase lines.
-#}
with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

daily_sales as (

    select
        daily.*,
        daily.order_date >= pyramid_parameters.window_start_date as is_in_window
    from {{ ref('int_customer_daily_sales') }} as daily
    cross join pyramid_parameters
    where daily.order_date <= pyramid_parameters.as_of_date

)

select
    customer_id,
    min(case when has_purchase then order_date end) as first_order_date,
    max(case when has_purchase then order_date end) as last_order_date,
    sum(revenue) as lifetime_revenue,
    cast(sum(orders) as bigint) as lifetime_orders,
    coalesce(sum(case when is_in_window then revenue end), 0) as window_revenue,
    cast(coalesce(sum(case when is_in_window then orders end), 0) as bigint) as window_orders,
    coalesce(bool_or(has_purchase and is_in_window), false) as is_active,
    sum(case when is_in_window then cost end) as window_cost,
    cast(coalesce(sum(case when is_in_window then lines_without_cost end), 0) as bigint)
        as window_lines_without_cost
from daily_sales
group by customer_id
