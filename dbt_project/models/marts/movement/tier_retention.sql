{#-
    For each period and tier: how many of its customers were still active one period later, how much revenue
    the same customers brought then and now, and how long those who lapsed since took to lapse.
    The last period has no row yet (nothing follows it).
-#}
with followed as (

    select * from {{ ref('int_customer_history_next') }}
    where tier is not null and next_period_start is not null

),

grouped as (

    select
        period_start,
        as_of_date,
        tier,
        count(*) as customers,
        count(case when next_level = 'active' then 1 end) as retained_customers,
        sum(window_revenue) as revenue_then,
        sum(next_window_revenue) as revenue_now,
        count(next_inactive_date) as lapsed_since,
        {{ average(dbt.datediff('as_of_date', 'next_inactive_date', 'day'), 1) }} as avg_days_to_lapse
    from followed
    group by period_start, as_of_date, tier

)

select
    period_start,
    as_of_date,
    tier,
    {{ level_order('tier') }} as tier_order,
    cast(customers as bigint) as customers,
    cast(retained_customers as bigint) as retained_customers,
    {{ safe_ratio('retained_customers', 'customers') }} as customer_retention_rate,
    cast(revenue_then as decimal(38, 2)) as revenue_then,
    cast(revenue_now as decimal(38, 2)) as revenue_now,
    case when revenue_then > 0 then {{ safe_ratio('revenue_now', 'revenue_then') }} end as revenue_retention,
    cast(lapsed_since as bigint) as lapsed_since,
    avg_days_to_lapse
from grouped
