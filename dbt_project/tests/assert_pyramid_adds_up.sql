-- The pyramid counts everyone once: its known levels equal the customers plus the suspects, its revenue the
-- customers' window revenue, and with a market size all levels add up to it. A row here is a broken total.
with summary as (

    select
        sum(case when level != 'rest' then customers end) as known_customers,
        sum(customers) as all_levels,
        sum(revenue) as revenue
    from {{ ref('pyramid_summary') }}

),

customers as (

    select
        count(*) as customers,
        sum(window_revenue) as revenue
    from {{ ref('customer_activity') }}

),

suspects as (

    select count(*) as suspects
    from {{ ref('int_customer_levels') }}
    where level = 'suspect'

)

select
    summary.known_customers,
    customers.customers + suspects.suspects as expected_known_customers,
    summary.all_levels,
    pyramid_parameters.market_population,
    summary.revenue,
    coalesce(customers.revenue, 0) as expected_revenue
from summary
cross join customers
cross join suspects
cross join {{ ref('int_pyramid_parameters') }} as pyramid_parameters
where
    summary.known_customers != customers.customers + suspects.suspects
    or summary.revenue != coalesce(customers.revenue, 0)
    or (
        pyramid_parameters.market_population is not null
        and summary.all_levels != pyramid_parameters.market_population
    )
