{#-
    Everyone the pyramid counts, once, at the highest level reached:
    active > inactive > prospect (a relationship, no purchase) > suspect (in the market list only).
-#}
with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

revenue as (

    select * from {{ ref('int_customer_revenue') }}

),

known_customers as (

    select stg_customers.customer_id
    from {{ ref('stg_customers') }} as stg_customers
    cross join pyramid_parameters
    where stg_customers.signup_date is null or stg_customers.signup_date <= pyramid_parameters.as_of_date

),

relationship_ids as (

    select customer_id from known_customers
    union
    select customer_id from revenue

),

market_ids as (

    select customer_id from {{ ref('stg_market') }}

),

everyone as (

    select
        relationship_ids.customer_id,
        true as has_relationship
    from relationship_ids
    union all
    select
        market_ids.customer_id,
        false as has_relationship
    from market_ids
    where market_ids.customer_id not in (select relationship_ids.customer_id from relationship_ids)

)

select
    everyone.customer_id,
    {{ customer_level(
        'revenue.is_active', 'revenue.first_order_date is not null', 'everyone.has_relationship'
    ) }} as level,
    coalesce(revenue.window_revenue, 0) as window_revenue
from everyone
left join revenue on everyone.customer_id = revenue.customer_id
