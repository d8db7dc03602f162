with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

)

select
    levels.customer_id,
    coalesce(revenue.window_revenue, 0) as window_revenue,
    coalesce(revenue.window_orders, 0) as window_orders,
    levels.level = 'active' as is_active,
    pyramid_parameters.window_start_date,
    pyramid_parameters.as_of_date
from {{ ref('int_customer_levels') }} as levels
cross join pyramid_parameters
left join {{ ref('int_customer_revenue') }} as revenue on levels.customer_id = revenue.customer_id
where levels.level != 'suspect'
