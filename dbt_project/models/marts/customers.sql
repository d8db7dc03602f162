with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

levels as (

    select * from {{ ref('int_customer_levels') }}
    where level != 'suspect'

)

select
    levels.customer_id,
    customers.signup_date,
    customers.country,
    customers.segment,
    customers.channel,
    revenue.first_order_date,
    revenue.last_order_date,
    coalesce(revenue.lifetime_revenue, 0) as lifetime_revenue,
    coalesce(revenue.lifetime_orders, 0) as lifetime_orders,
    cast({{ dbt.datediff('revenue.first_order_date', 'pyramid_parameters.as_of_date', 'day') }} as bigint) as tenure_days,  -- noqa: LT05
    cast({{ dbt.datediff('revenue.last_order_date', 'pyramid_parameters.as_of_date', 'day') }} as bigint) as days_since_last_order,  -- noqa: LT05
    levels.level,
    tiers.tier,
    coalesce(tiers.tier, levels.level) as pyramid_level,
    {#- A CRM can reach the customer: on the customers list, with one of the list's own columns (email,
        phone, ...) filled in when it has any (stg_customers.has_contact); a guest buyer is not. #}
    coalesce(customers.customer_id is not null and coalesce(customers.has_contact, true), false) as reachable,
    pyramid_parameters.as_of_date
from levels
cross join pyramid_parameters
left join {{ ref('stg_customers') }} as customers on levels.customer_id = customers.customer_id
left join {{ ref('int_customer_revenue') }} as revenue on levels.customer_id = revenue.customer_id
left join {{ ref('int_active_customers_ranked') }} as tiers on levels.customer_id = tiers.customer_id
