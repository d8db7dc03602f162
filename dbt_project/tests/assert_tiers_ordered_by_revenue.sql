-- Every customer of a higher tier brings at least as much as every customer of a lower one.
with tier_ranges as (

    select
        tier,
        case tier when 'top' then 1 when 'big' then 2 when 'medium' then 3 else 4 end as tier_order,
        min(revenue) as min_revenue,
        max(revenue) as max_revenue
    from {{ ref('customer_tiers') }}
    group by tier

)

select
    higher.tier as higher_tier,
    higher.min_revenue,
    lower_tier.tier as lower_tier,
    lower_tier.max_revenue
from tier_ranges as higher
inner join tier_ranges as lower_tier on higher.tier_order < lower_tier.tier_order
where higher.min_revenue < lower_tier.max_revenue
