{#-
    Each known customer's outlook for the next `outlook_days` days (var outlook_days; the activity window when
    null): the BG/NBD and Gamma-Gamma scores of int_outlook_scores for customers who bought, the prospects'
    share and average from what the prospects of one horizon ago did, and the level the customer is expected
    to hold at the end of the horizon: the customers likely to buy (p_buys >= 0.5) ranked by expected revenue
    and cut into tiers by the tier rule; the others inactive (or still prospects).
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

scores as (

    select * from {{ ref('int_outlook_scores') }}
    where fit_kind = 'outlook'

),

prospect_history as (

    {#- What the prospects of the backtest cutoff did in the horizon after it. -#}
    select
        {{ safe_ratio('count(case when actual_purchase_days > 0 then 1 end)', 'count(*)', 4) }} as conversion_share,
        {{ safe_ratio('sum(actual_purchase_days)', 'count(*)', 4) }} as orders_per_prospect,
        {{ safe_ratio('sum(actual_revenue)', 'count(*)', 2) }} as revenue_per_prospect
    from {{ ref('int_outlook_summary') }}
    where fit_kind = 'backtest' and not has_purchased

),

outlook as (

    select
        levels.customer_id,
        coalesce(tiers.tier, levels.level) as current_level,
        summary.has_purchased,
        case
            when summary.has_purchased then cast(round(scores.p_alive, 4) as decimal(18, 4))
            else prospect_history.conversion_share
        end as p_active,
        case
            when summary.has_purchased then cast(round(scores.p_buys, 4) as decimal(18, 4))
            else prospect_history.conversion_share
        end as p_buys,
        case
            when summary.has_purchased then cast(round(scores.expected_orders, 4) as decimal(18, 4))
            else prospect_history.orders_per_prospect
        end as expected_orders,
        case
            when summary.has_purchased then cast(round(scores.expected_revenue, 2) as decimal(38, 2))
            else prospect_history.revenue_per_prospect
        end as expected_revenue,
        scores.fitted_on,
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
    left join scores on levels.customer_id = scores.customer_id
    cross join prospect_history

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
        when outlook.p_buys is null then null
        when likely_buyers.customer_id is not null
            then {{ tier_for_rank('likely_buyers.revenue_rank', 'likely_buyers.active_customers') }}
        when coalesce(outlook.has_purchased, false) then 'inactive'
        else 'prospect'
    end as predicted_level,
    cast(outlook.fitted_on as date) as fitted_on,
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
