{#- Active customers ranked by window revenue (ties: customer_id ascending) and cut into tiers. -#}
with active_customers as (

    select
        customer_id,
        window_revenue as revenue
    from {{ ref('int_customer_revenue') }}
    where is_active

),

ranked as (

    select
        customer_id,
        revenue,
        {{ rank_by_revenue('revenue') }} as revenue_rank,
        count(*) over () as active_customers,
        sum(revenue) over () as total_revenue,
        sum(revenue) over (
            order by revenue desc, customer_id asc
            rows between unbounded preceding and current row
        ) as cumulative_revenue
    from active_customers

)

select
    customer_id,
    {{ tier_for_rank('revenue_rank', 'active_customers') }} as tier,
    revenue,
    cast(revenue_rank as bigint) as revenue_rank,
    cast(active_customers as bigint) as active_customers,
    {{ safe_ratio('100 * (active_customers - revenue_rank)', 'active_customers', 4) }} as revenue_percentile,
    cumulative_revenue,
    {{ safe_ratio('cumulative_revenue', 'total_revenue') }} as cumulative_revenue_share
from ranked
