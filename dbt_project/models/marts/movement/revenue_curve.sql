{#-
    The cumulative revenue curve of every period: for each percent p of active customers (ranked by window
    revenue), the share of revenue that the top floor(N * p / 100) customers bring. With fewer than 100 active
    customers some percents have no point. Computed incrementally in int_revenue_curve.
-#}
select
    period_start,
    as_of_date,
    customer_percent,
    customers,
    active_customers,
    cumulative_revenue,
    cumulative_revenue_share,
    period_start = max(period_start) over () as is_latest_period
from {{ ref('int_revenue_curve') }}
