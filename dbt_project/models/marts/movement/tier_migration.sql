{#-
    From-level × to-level for each pair of consecutive periods, with the customers who moved and their window
    revenue then and now. `none`: not yet a customer or prospect in the earlier period. Incremental like the
    history: a run recomputes only the pairs whose later period the history recomputed.
-#}
{{ config(**incremental_where_supported('period_start')) }}

with history as (

    select * from {{ ref('customer_tier_history') }}

),

periods as (

    select distinct
        period_start,
        period_end,
        as_of_date
    from history

),

period_pairs as (

    select
        period_start,
        period_end,
        as_of_date,
        lag(period_start) over (order by period_start) as previous_period_start,
        lag(as_of_date) over (order by period_start) as previous_as_of_date
    from periods

),

pairs_built as (

    select *
    from period_pairs
    where
        previous_period_start is not null
    {% if is_incremental() -%}
        and ({{ recomputed_periods('period_start', 'period_end') }})
    {%- endif %}

),

history_read as (

    {#- Only the periods of the pairs built: a daily run reads two periods of the history, not all of it. -#}
    select *
    from history
    where period_start >= (select min(pairs_built.previous_period_start) from pairs_built)

),

moves as (

    select
        period_pairs.period_start,
        period_pairs.as_of_date,
        period_pairs.previous_period_start,
        period_pairs.previous_as_of_date,
        coalesce(earlier.pyramid_level, 'none') as from_level,
        later.pyramid_level as to_level,
        coalesce(earlier.window_revenue, 0) as revenue_then,
        later.window_revenue as revenue_now
    from pairs_built as period_pairs
    inner join history_read as later on period_pairs.period_start = later.period_start
    left join history_read as earlier
        on
            period_pairs.previous_period_start = earlier.period_start
            and later.customer_id = earlier.customer_id

),

grouped as (

    select
        period_start,
        as_of_date,
        previous_period_start,
        previous_as_of_date,
        from_level,
        to_level,
        count(*) as customers,
        sum(revenue_then) as revenue_then,
        sum(revenue_now) as revenue_now
    from moves
    group by period_start, as_of_date, previous_period_start, previous_as_of_date, from_level, to_level

)

select
    previous_period_start,
    previous_as_of_date,
    period_start,
    as_of_date,
    from_level,
    to_level,
    {{ level_order('from_level') }} as from_level_order,
    {{ level_order('to_level') }} as to_level_order,
    {{ movement('from_level', 'to_level') }} as movement,
    cast(customers as bigint) as customers,
    cast(revenue_then as decimal(38, 2)) as revenue_then,
    cast(revenue_now as decimal(38, 2)) as revenue_now
from grouped
