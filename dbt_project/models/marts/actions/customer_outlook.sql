{#-
    Each known customer's outlook for the next `outlook_days` days (var outlook_days; the activity window when
    null), as int_outlook_predictions made it (its `method`: the fitted models, or a rule that needs none), and
    the level the customer is expected to hold at the end of the horizon: the customers likely to buy
    (p_buys >= 0.5) ranked by expected revenue and cut into tiers by the tier rule; the others inactive (or
    still prospects, if they never bought).
-#}
with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

levels as (

    select
        customer_id,
        level
    from {{ ref('int_customer_levels') }}
    where level in ('active', 'inactive', 'prospect')

),

summary as (

    select * from {{ ref('int_outlook_summary') }}
    where fit_kind = 'outlook'

),

predictions as (

    select * from {{ ref('int_outlook_predictions') }}
    where fit_kind = 'outlook'

),

outlook as (

    select
        levels.customer_id,
        coalesce(tiers.tier, levels.level) as current_level,
        summary.has_purchased,
        predictions.method,
        predictions.p_active,
        predictions.p_buys,
        predictions.expected_orders,
        predictions.expected_revenue,
        predictions.fitted_on,
        summary.days_since_last_purchase,
        summary.purchase_days,
        summary.tenure_days,
        summary.average_order_value,
        summary.lifetime_revenue,
        summary.window_complaints,
        summary.open_complaints
    from levels
    left join {{ ref('int_active_customers_ranked') }} as tiers on levels.customer_id = tiers.customer_id
    left join summary on levels.customer_id = summary.customer_id
    left join predictions on levels.customer_id = predictions.customer_id

),

likely_buyers as (

    select
        customer_id,
        {{ rank_by_revenue('expected_revenue') }} as revenue_rank,
        count(*) over () as active_customers
    from outlook
    where {{ likely_to_buy('p_buys') }}

)

select
    outlook.customer_id,
    pyramid_parameters.as_of_date,
    pyramid_parameters.outlook_days,
    outlook.current_level,
    outlook.p_active,
    outlook.p_buys,
    outlook.expected_orders,
    outlook.expected_revenue,
    case
        when likely_buyers.customer_id is not null
            then {{ tier_for_rank('likely_buyers.revenue_rank', 'likely_buyers.active_customers') }}
        when coalesce(outlook.has_purchased, false) then 'inactive'
        else 'prospect'
    end as predicted_level,
    outlook.fitted_on,
    outlook.method,
    outlook.days_since_last_purchase,
    coalesce(outlook.purchase_days, 0) as purchase_days,
    outlook.tenure_days,
    outlook.average_order_value,
    coalesce(outlook.lifetime_revenue, 0) as lifetime_revenue,
    coalesce(outlook.window_complaints, 0) as window_complaints,
    coalesce(outlook.open_complaints, 0) as open_complaints
from outlook
cross join pyramid_parameters
left join likely_buyers on outlook.customer_id = likely_buyers.customer_id
