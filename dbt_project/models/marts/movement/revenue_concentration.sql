{#- The share of the active customers' window revenue that each tier brings, in every period. -#}
with history as (

    select * from {{ ref('customer_tier_history') }}
    where level = 'active'

),

per_tier as (

    select
        period_start,
        as_of_date,
        tier,
        count(*) as customers,
        sum(window_revenue) as revenue
    from history
    group by period_start, as_of_date, tier

),

totals as (

    select
        period_start,
        sum(customers) as active_customers,
        sum(revenue) as active_revenue
    from per_tier
    group by period_start

)

select
    per_tier.period_start,
    per_tier.as_of_date,
    per_tier.tier,
    {{ level_order('per_tier.tier') }} as tier_order,
    cast(per_tier.customers as bigint) as customers,
    {{ safe_ratio('per_tier.customers', 'totals.active_customers') }} as share_of_customers,
    cast(per_tier.revenue as decimal(38, 2)) as revenue,
    {{ safe_ratio('per_tier.revenue', 'totals.active_revenue') }} as share_of_revenue,
    per_tier.period_start = max(per_tier.period_start) over () as is_latest_period
from per_tier
inner join totals on per_tier.period_start = totals.period_start
