{#-
    Every known customer's outlook at each cutoff of int_outlook_summary, never null, with the method that
    produced it (the only place these rules are written; customer_outlook and outlook_backtest read them):
    - the fitted pair, e.g. `bg_nbd_gamma_gamma` or `pareto_nbd_gamma_gamma_by_frequency` (purchase model _
      spend model, chosen by the backtest: int_outlook_fits): a customer who bought, scored by the cutoff's fit
      (int_outlook_scores).
    - `own_rate`: a customer who bought when no model could be fitted (fewer than 20 buyers or 5 repeat
      buyers): their own purchase days so far, per day since their first purchase but over at least one
      horizon, kept up for the horizon (expected_orders); p_buys = 1 - exp(-expected_orders), as if purchases
      came at that steady rate; p_active 1 if they bought in the activity window ending on the cutoff, else 0;
      expected_revenue = expected_orders x their average revenue per purchase day (at least 0).
    - `prospect_cohort`: no purchase yet (a prospect): what the prospects of one horizon earlier did in the
      horizon after (the share who bought, their purchase days and revenue per prospect).
    - `no_history`: no purchase yet and no earlier prospects to learn from: 0 throughout.
    `fitted_on` is the date of the data the outlook learnt from: the fit's cutoff, the earlier prospects'
    cutoff, or the cutoff itself.
-#}
with summary as (

    select * from {{ ref('int_outlook_summary') }}

),

scores as (

    select * from {{ ref('int_outlook_scores') }}
    where p_buys is not null

),

earlier_prospects as (

    {#- The outlook cutoff learns from the prospects of the backtest cutoff, one horizon earlier. -#}
    select
        'outlook' as fit_kind,
        max(cutoff_date) as cohort_cutoff_date,
        count(*) as prospects,
        {{ safe_ratio('count(case when actual_purchase_days > 0 then 1 end)', 'count(*)', 4) }} as conversion_share,
        {{ safe_ratio('sum(actual_purchase_days)', 'count(*)', 4) }} as orders_per_prospect,
        {{ safe_ratio('sum(actual_revenue)', 'count(*)', 2) }} as revenue_per_prospect
    from summary
    where fit_kind = 'backtest' and not has_purchased

),

own_rates as (

    select
        fit_kind,
        customer_id,
        cast(purchase_days as double) * horizon_days / greatest(tenure_days + 1, horizon_days) as expected_orders
    from summary
    where has_purchased

),

predictions as (

    select
        summary.fit_kind,
        summary.customer_id,
        case
            when scores.customer_id is not null then scores.method
            when summary.has_purchased then 'own_rate'
            when earlier_prospects.prospects > 0 then 'prospect_cohort'
            else 'no_history'
        end as method,  -- noqa: RF04
        case
            when scores.customer_id is not null then scores.p_alive
            when summary.has_purchased then case when summary.was_active then 1.0 else 0.0 end
            else earlier_prospects.conversion_share
        end as p_active,
        case
            when scores.customer_id is not null then scores.p_buys
            when summary.has_purchased then 1 - exp(-own_rates.expected_orders)
            else earlier_prospects.conversion_share
        end as p_buys,
        case
            when scores.customer_id is not null then scores.expected_orders
            when summary.has_purchased then own_rates.expected_orders
            else earlier_prospects.orders_per_prospect
        end as expected_orders,
        case
            when scores.customer_id is not null then scores.expected_revenue
            when summary.has_purchased
                then own_rates.expected_orders * greatest(cast(summary.average_order_value as double), 0)
            else earlier_prospects.revenue_per_prospect
        end as expected_revenue,
        case
            when scores.customer_id is not null then scores.fitted_on
            when not summary.has_purchased and earlier_prospects.prospects > 0
                then earlier_prospects.cohort_cutoff_date
            else summary.cutoff_date
        end as fitted_on
    from summary
    left join scores
        on
            summary.fit_kind = scores.fit_kind
            and summary.customer_id = scores.customer_id
    left join own_rates
        on
            summary.fit_kind = own_rates.fit_kind
            and summary.customer_id = own_rates.customer_id
    left join earlier_prospects on summary.fit_kind = earlier_prospects.fit_kind

)

select
    fit_kind,
    customer_id,
    method,
    {#- Rounded once, here: the marts' sums of decimals then do not depend on the order of rows. -#}
    cast(round(coalesce(p_active, 0), 4) as decimal(18, 4)) as p_active,
    cast(round(coalesce(p_buys, 0), 4) as decimal(18, 4)) as p_buys,
    cast(round(coalesce(expected_orders, 0), 4) as decimal(18, 4)) as expected_orders,
    cast(round(coalesce(expected_revenue, 0), 2) as decimal(38, 2)) as expected_revenue,
    cast(fitted_on as date) as fitted_on
from predictions
