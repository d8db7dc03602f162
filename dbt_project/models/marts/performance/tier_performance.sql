{#-
    The performance factors per level of the pyramid (tiers, inactive, prospects) over the activity window.
    Averages are over the level's customers that have the value; null where no customer has it.
-#}
{%- set levels = tier_names() + ['inactive', 'prospect'] -%}

with performance as (

    select * from {{ ref('customer_performance') }}

),

level_order as (

    {% for level in levels -%}
        select
            '{{ level }}' as pyramid_level,
            {{ loop.index }} as level_order
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

per_level as (

    select
        pyramid_level,
        count(*) as customers,
        sum(revenue) as revenue,
        sum(gross_margin) as gross_margin,
        count(gross_margin) as customers_with_margin,
        sum(case when gross_margin is not null then revenue end) as revenue_with_margin,
        sum(orders) as orders,
        {{ average('orders_per_year', 2) }} as avg_orders_per_year,
        {{ average('days_since_last_order', 1) }} as avg_days_since_last_order,
        {{ average('tenure_days', 1) }} as avg_tenure_days,
        {{ average('share_of_wallet', 4) }} as avg_share_of_wallet,
        sum(feedback_responses) as feedback_responses,
        sum(avg_feedback_score * feedback_responses) as feedback_score_total,
        sum(complaints) as complaints,
        sum(slow_complaints) as slow_complaints
    from performance
    group by pyramid_level

),

resolution as (

    select
        performance.pyramid_level,
        median(cast(complaints.hours_to_resolve as double)) as median_hours_to_resolve
    from {{ ref('int_window_complaints') }} as complaints
    inner join performance on complaints.customer_id = performance.customer_id
    group by performance.pyramid_level

),

as_of as (

    select as_of_date from {{ ref('int_pyramid_parameters') }}

)

select
    level_order.pyramid_level,
    cast(level_order.level_order as integer) as level_order,
    cast(coalesce(per_level.customers, 0) as bigint) as customers,
    cast(coalesce(per_level.revenue, 0) as decimal(38, 2)) as revenue,
    cast(case when per_level.customers_with_margin > 0 then per_level.gross_margin end as decimal(38, 2))
        as gross_margin,
    case
        when per_level.customers_with_margin > 0 and per_level.revenue_with_margin > 0
            then {{ safe_ratio('per_level.gross_margin', 'per_level.revenue_with_margin', 4) }}
    end as gross_margin_rate,
    cast(coalesce(per_level.orders, 0) as bigint) as orders,
    {{ safe_ratio('per_level.revenue', 'per_level.orders', 2, 38) }} as avg_order_value,
    per_level.avg_orders_per_year,
    per_level.avg_days_since_last_order,
    per_level.avg_tenure_days,
    per_level.avg_share_of_wallet,
    cast(per_level.feedback_responses as bigint) as feedback_responses,
    {{ safe_ratio('per_level.feedback_score_total', 'per_level.feedback_responses', 2) }} as avg_feedback_score,
    cast(per_level.complaints as bigint) as complaints,
    {{ safe_ratio('100 * per_level.complaints', 'per_level.customers', 2) }} as complaints_per_100_customers,
    case
        when per_level.complaints > 0 then {{ safe_ratio('per_level.slow_complaints', 'per_level.complaints', 4) }}
    end as slow_complaint_share,
    {{ round_decimal('resolution.median_hours_to_resolve', 1) }} as median_hours_to_resolve,
    as_of.as_of_date
from level_order
cross join as_of
left join per_level on level_order.pyramid_level = per_level.pyramid_level
left join resolution on level_order.pyramid_level = resolution.pyramid_level
order by level_order.level_order
