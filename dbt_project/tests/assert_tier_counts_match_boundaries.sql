-- Each tier holds exactly the ranks between its boundaries: a row here is a tier whose count is off.
{%- set boundaries = tier_boundaries('active_customers') %}

with active as (

    select count(*) as active_customers
    from {{ ref('customer_activity') }}
    where is_active

),

expected as (

    select 'top' as tier, {{ boundaries['top'] }} as expected_customers from active
    union all
    select 'big' as tier, {{ boundaries['big'] }} - {{ boundaries['top'] }} as expected_customers from active
    union all
    select 'medium' as tier, {{ boundaries['medium'] }} - {{ boundaries['big'] }} as expected_customers from active
    union all
    select 'small' as tier, active_customers - {{ boundaries['medium'] }} as expected_customers from active

),

actual as (

    select
        tier,
        count(*) as actual_customers
    from {{ ref('customer_tiers') }}
    group by tier

)

select
    expected.tier,
    expected.expected_customers,
    coalesce(actual.actual_customers, 0) as actual_customers
from expected
left join actual on expected.tier = actual.tier
where expected.expected_customers != coalesce(actual.actual_customers, 0)
