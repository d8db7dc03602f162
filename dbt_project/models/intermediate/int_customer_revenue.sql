{#- Purchases and revenue per customer on or before the as-of date; sales after it are ignored. -#}
with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

sales as (

    select
        stg_sales.customer_id,
        stg_sales.order_date,
        stg_sales.amount,
        stg_sales.cost,
        stg_sales.amount > 0 as is_purchase,
        stg_sales.order_date >= pyramid_parameters.window_start_date as is_in_window,
        coalesce(stg_sales.order_id, 'row ' || cast(stg_sales.sale_row_number as varchar)) as order_key
    from {{ ref('stg_sales') }} as stg_sales
    cross join pyramid_parameters
    where stg_sales.order_date <= pyramid_parameters.as_of_date

)

select
    customer_id,
    min(case when is_purchase then order_date end) as first_order_date,
    max(case when is_purchase then order_date end) as last_order_date,
    sum(amount) as lifetime_revenue,
    count(distinct case when is_purchase then order_key end) as lifetime_orders,
    coalesce(sum(case when is_in_window then amount end), 0) as window_revenue,
    count(distinct case when is_purchase and is_in_window then order_key end) as window_orders,
    coalesce(bool_or(is_purchase and is_in_window), false) as is_active,
    sum(case when is_in_window then cost end) as window_cost,
    count(case when is_in_window and cost is null then 1 end) as window_lines_without_cost
from sales
group by customer_id
