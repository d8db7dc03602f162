{#-
    The points of the cumulative revenue curve of every period (see the mart revenue_curve). Incremental like
    the history it is computed from: a run recomputes only the periods the history recomputed.
-#}
{{ config(**incremental_where_supported('period_start')) }}

with history as (

    select *
    from {{ ref('customer_tier_history') }}
    where
        level = 'active'
    {% if is_incremental() -%}
        and ({{ recomputed_periods('period_start', 'period_end') }})
    {%- endif %}

),

ranked as (

    select
        period_start,
        as_of_date,
        revenue_rank,
        count(*) over (partition by period_start) as active_customers,
        sum(window_revenue) over (partition by period_start) as active_revenue,
        sum(window_revenue) over (
            partition by period_start order by revenue_rank rows between unbounded preceding and current row
        ) as cumulative_revenue
    from history

),

points as (

    select
        period_start,
        as_of_date,
        cast(ceil(100.0 * revenue_rank / active_customers) as integer) as customer_percent,
        max(revenue_rank) as customers,
        max(active_customers) as active_customers,
        max(active_revenue) as active_revenue,
        max_by(cumulative_revenue, revenue_rank) as cumulative_revenue
    from ranked
    group by period_start, as_of_date, customer_percent

)

select
    period_start,
    as_of_date,
    customer_percent,
    cast(customers as bigint) as customers,
    cast(active_customers as bigint) as active_customers,
    cast(cumulative_revenue as decimal(38, 2)) as cumulative_revenue,
    {{ safe_ratio('cumulative_revenue', 'active_revenue') }} as cumulative_revenue_share
from points
