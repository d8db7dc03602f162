{#-
    How good the outlook is: the same model fitted on what was known one horizon before the as-of date (the
    `backtest` cutoff), its scores for the horizon after that cutoff against what those customers then did (up to
    the as-of date). One row per tier the customers held at the cutoff (the tier rule on the window before it;
    `inactive` for customers who had bought before but not in that window), and `all`. Prospects are not part of it.
    The predictions are int_outlook_predictions' (the fit, or own_rate when none could be fitted), and
    `quality_warnings` says which of var outlook_backtest_limits a row misses.
-#}
with summary as (

    select * from {{ ref('int_outlook_summary') }}
    where fit_kind = 'backtest' and has_purchased

),

predictions as (

    select * from {{ ref('int_outlook_predictions') }}
    where fit_kind = 'backtest'

),

ranked_at_cutoff as (

    select
        customer_id,
        {{ rank_by_revenue('window_revenue') }} as revenue_rank,
        count(*) over () as active_customers
    from summary
    where was_active

),

scored as (

    select
        summary.cutoff_date,
        summary.horizon_days,
        summary.customer_id,
        case
            when ranked_at_cutoff.customer_id is null then 'inactive'
            else {{ tier_for_rank('ranked_at_cutoff.revenue_rank', 'ranked_at_cutoff.active_customers') }}
        end as tier_at_cutoff,
        predictions.method,
        predictions.p_buys,
        predictions.expected_revenue,
        case when summary.actual_purchase_days > 0 then 1 else 0 end as bought,
        summary.actual_revenue
    from summary
    inner join predictions on summary.customer_id = predictions.customer_id
    left join ranked_at_cutoff on summary.customer_id = ranked_at_cutoff.customer_id

),

segments as (

    select
        scored.*,
        scored.tier_at_cutoff as segment
    from scored
    union all
    select
        scored.*,
        'all' as segment
    from scored

),

ranked as (

    {#- Within each segment: the rank by predicted revenue (for the top 10 %), and the average rank of
        p_buys with ties shared (for the AUC, by the Mann-Whitney statistic). -#}
    select
        segments.*,
        row_number() over (
            partition by segments.segment order by segments.expected_revenue desc, segments.customer_id asc
        ) as predicted_revenue_rank,
        row_number() over (
            partition by segments.segment order by segments.actual_revenue desc, segments.customer_id asc
        ) as actual_revenue_rank,
        count(*) over (partition by segments.segment) as segment_customers,
        rank() over (partition by segments.segment order by segments.p_buys asc)
        + (count(*) over (partition by segments.segment, segments.p_buys) - 1) / 2.0 as p_buys_rank
    from segments

),

measured as (

    select
        segment,
        max(cutoff_date) as cutoff_date,
        max(horizon_days) as horizon_days,
        {#- One method for every customer who bought at the cutoff: the fit, or own_rate without one. -#}
        max(method) as method,  -- noqa: RF04
        count(*) as customers,
        sum(p_buys) as predicted_buyers,
        sum(bought) as actual_buyers,
        sum(expected_revenue) as predicted_revenue,
        sum(actual_revenue) as actual_revenue,
        sum(
            case when predicted_revenue_rank <= ceil(segment_customers / 10.0) then actual_revenue else 0 end
        ) as top_decile_actual_revenue,
        sum(
            case when actual_revenue_rank <= ceil(segment_customers / 10.0) then actual_revenue else 0 end
        ) as best_decile_actual_revenue,
        sum(case when bought = 1 then p_buys_rank else 0 end) as buyer_rank_sum
    from ranked
    group by segment

),

measures as (

    select
        segment,
        method,
        cutoff_date,
        cast(horizon_days as integer) as horizon_days,
        cast(customers as bigint) as customers,
        cast(round(predicted_buyers, 1) as decimal(18, 1)) as predicted_buyers,
        cast(actual_buyers as bigint) as actual_buyers,
        cast(round(100 * (predicted_buyers - actual_buyers) / nullif(actual_buyers, 0), 1) as decimal(9, 1))
            as buyers_error_percent,
        cast(round(predicted_revenue, 2) as decimal(38, 2)) as predicted_revenue,
        cast(actual_revenue as decimal(38, 2)) as actual_revenue,
        cast(
            round(100 * (predicted_revenue - actual_revenue) / nullif(abs(actual_revenue), 0), 1) as decimal(9, 1)
        ) as revenue_error_percent,
        cast(round(top_decile_actual_revenue / nullif(actual_revenue, 0), 4) as decimal(9, 4))
            as top_decile_revenue_share,
        cast(round(best_decile_actual_revenue / nullif(actual_revenue, 0), 4) as decimal(9, 4))
            as best_decile_revenue_share,
        cast(round(top_decile_actual_revenue / nullif(best_decile_actual_revenue, 0), 4) as decimal(9, 4))
            as top_decile_capture,
        cast(
            round(
                (buyer_rank_sum - actual_buyers * (actual_buyers + 1) / 2.0)
                / nullif(actual_buyers * (customers - actual_buyers), 0),
                4
            ) as decimal(9, 4)
        ) as auc_buys_again
    from measured

)

select
    measures.*,
    {{ outlook_quality_warnings(
        'auc_buys_again', 'top_decile_capture', 'revenue_error_percent', 'buyers_error_percent'
    ) }} as quality_warnings
from measures
