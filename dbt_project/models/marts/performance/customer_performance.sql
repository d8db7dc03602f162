{#-
    The method's three performance factors for every customer and prospect, over the activity window:
    value (revenue, gross margin), behaviour (orders, order value, frequency, recency, tenure, share of wallet)
    and satisfaction (survey score, complaints and how fast they were resolved). Columns that need an optional
    input (sales cost, customers' estimated_annual_wallet, feedback, complaints) are null without it.
-#}
with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

cost_input as (

    select count(cost) > 0 as has_cost from {{ ref('stg_sales') }}

),

satisfaction_inputs as (

    select
        (select count(*) from {{ ref('stg_feedback') }}) > 0 as has_feedback,
        (select count(*) from {{ ref('stg_complaints') }}) > 0 as has_complaints

),

levels as (

    select * from {{ ref('int_customer_levels') }}
    where level != 'suspect'

),

measured as (

    select
        levels.customer_id,
        coalesce(tiers.tier, levels.level) as pyramid_level,
        levels.level,
        tiers.tier,
        coalesce(revenue.window_revenue, 0) as revenue,
        case
            when cost_input.has_cost and coalesce(revenue.window_lines_without_cost, 0) = 0
                then coalesce(revenue.window_revenue, 0) - coalesce(revenue.window_cost, 0)
        end as gross_margin,
        coalesce(revenue.window_orders, 0) as orders,
        {{ dbt.datediff('revenue.last_order_date', 'pyramid_parameters.as_of_date', 'day') }} as days_since_last_order,  -- noqa: LT05
        {{ dbt.datediff('revenue.first_order_date', 'pyramid_parameters.as_of_date', 'day') }} as tenure_days,  -- noqa: LT05
        customers.estimated_annual_wallet,
        pyramid_parameters.window_days,
        case when satisfaction_inputs.has_feedback then coalesce(satisfaction.feedback_responses, 0) end
            as feedback_responses,
        satisfaction.avg_feedback_score,
        case when satisfaction_inputs.has_complaints then coalesce(satisfaction.complaints, 0) end as complaints,
        case when satisfaction_inputs.has_complaints then coalesce(satisfaction.open_complaints, 0) end
            as open_complaints,
        case when satisfaction_inputs.has_complaints then coalesce(satisfaction.slow_complaints, 0) end
            as slow_complaints,
        satisfaction.median_hours_to_resolve,
        pyramid_parameters.as_of_date
    from levels
    cross join pyramid_parameters
    cross join cost_input
    cross join satisfaction_inputs
    left join {{ ref('int_active_customers_ranked') }} as tiers on levels.customer_id = tiers.customer_id
    left join {{ ref('int_customer_revenue') }} as revenue on levels.customer_id = revenue.customer_id
    left join {{ ref('stg_customers') }} as customers on levels.customer_id = customers.customer_id
    left join {{ ref('int_customer_satisfaction') }} as satisfaction
        on levels.customer_id = satisfaction.customer_id

)

select
    customer_id,
    pyramid_level,
    level,
    tier,
    cast(revenue as decimal(38, 2)) as revenue,
    cast(gross_margin as decimal(38, 2)) as gross_margin,
    case when revenue > 0 then {{ safe_ratio('gross_margin', 'revenue', 4) }} end as gross_margin_rate,
    cast(orders as bigint) as orders,
    {{ safe_ratio('revenue', 'orders', 2, 38) }} as avg_order_value,
    {{ safe_ratio('orders * 365', 'window_days', 2) }} as orders_per_year,
    cast(days_since_last_order as bigint) as days_since_last_order,
    cast(tenure_days as bigint) as tenure_days,
    cast(estimated_annual_wallet as decimal(18, 2)) as estimated_annual_wallet,
    case
        when estimated_annual_wallet > 0
            then {{ safe_ratio('revenue * 365', 'estimated_annual_wallet * window_days', 4) }}
    end as share_of_wallet,
    cast(feedback_responses as bigint) as feedback_responses,
    {{ round_decimal('avg_feedback_score', 2) }} as avg_feedback_score,
    cast(complaints as bigint) as complaints,
    cast(open_complaints as bigint) as open_complaints,
    cast(slow_complaints as bigint) as slow_complaints,
    {{ round_decimal('median_hours_to_resolve', 1) }} as median_hours_to_resolve,
    as_of_date
from measured
