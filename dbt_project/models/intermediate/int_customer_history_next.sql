{#-
    Each active row of the tier history with what followed: the customer's standing one period later, and the
    first later period end at which the customer was inactive (the lapse). Only active rows are read (retention
    and lapse rates start from active customers). A view: two marts read it once each, which costs less than
    writing the whole history a second time (at 100 million sales lines, 65 s as a table).
-#}
{{ config(materialized='view') }}

with followed as (

    select
        history.period_start,
        history.as_of_date,
        history.customer_id,
        history.level,
        history.tier,
        history.pyramid_level,
        history.window_revenue,
        lead(history.period_start) over by_period as next_period_start,
        lead(history.level) over by_period as next_level,
        lead(history.window_revenue) over by_period as next_window_revenue,
        min(case when history.level = 'inactive' then history.as_of_date end) over (
            partition by history.customer_id
            order by history.period_start
            rows between 1 following and unbounded following
        ) as next_inactive_date
    from {{ ref('customer_tier_history') }} as history
    window by_period as (partition by history.customer_id order by history.period_start)

)

select *
from followed
where level = 'active'
