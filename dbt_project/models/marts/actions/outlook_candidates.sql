{#-
    How the outlook's model was chosen: every candidate pair (purchase model, spend model) of the latest
    backtest refit (int_outlook_fits), fitted on what was known at the backtest cutoff and scored over the
    horizon after it against what those customers then did, best first by the criterion
    (orchestration/outlook/candidates.py: the smallest |revenue error| in whole percent, then the higher AUC,
    then the higher top-decile revenue share). The first is `chosen`: outlook_backtest measures it and the
    outlook cutoff is fitted with it. Empty before a backtest cutoff with enough buyers to fit. When the fits
    were made is in int_outlook_fits (fitted_at), not here: a mart holds what the data says, so two builds of
    the same data (DuckDB and Spark, a daily run and a build from scratch) publish the same rows.
-#}
with fits as (

    select * from {{ ref('int_outlook_fits') }}
    where fit_kind = 'backtest'

),

latest_refit as (

    select max(fitted_at) as fitted_at from fits

),

latest as (

    select fits.* from fits
    inner join latest_refit on fits.fitted_at = latest_refit.fitted_at
    where fits.choice_rank is not null

)

select
    cast(latest.choice_rank as integer) as choice_rank,
    cast(latest.chosen as boolean) as chosen,
    cast({{ dbt.concat(['latest.purchase_model', "'_'", 'latest.spend_model']) }} as {{ dbt.type_string() }})
        as method,  -- noqa: RF04
    cast(latest.purchase_model as {{ dbt.type_string() }}) as purchase_model,
    cast(latest.spend_model as {{ dbt.type_string() }}) as spend_model,
    cast(latest.cutoff_date as date) as cutoff_date,
    cast(latest.customers as bigint) as customers,
    cast(latest.repeat_customers as bigint) as repeat_customers,
    cast(round(latest.predicted_buyers, 1) as decimal(18, 1)) as predicted_buyers,
    cast(latest.actual_buyers as bigint) as actual_buyers,
    cast(
        round(100 * (latest.predicted_buyers - latest.actual_buyers) / nullif(latest.actual_buyers, 0), 1)
        as decimal(9, 1)
    ) as buyers_error_percent,
    cast(round(latest.predicted_revenue, 2) as decimal(38, 2)) as predicted_revenue,
    cast(round(latest.actual_revenue, 2) as decimal(38, 2)) as actual_revenue,
    cast(
        round(100 * (latest.predicted_revenue - latest.actual_revenue) / nullif(abs(latest.actual_revenue), 0), 1)
        as decimal(9, 1)
    ) as revenue_error_percent,
    cast(round(latest.top_decile_revenue_share, 4) as decimal(9, 4)) as top_decile_revenue_share,
    cast(round(latest.auc_buys_again, 4) as decimal(9, 4)) as auc_buys_again
from latest
