{#-
    Every customer's standing at the end of every period: level, tier and window revenue as of that day,
    computed for all periods at once with the same rules as the current pyramid (suspects are left out, as in
    `customers`). Incremental: a run adds the periods after the last one stored and recomputes that last one
    (it may have been the running period), and every period ending on or after the earliest day of newly
    appended sales lines (a late correction: `raw.load_state.changed_from_date`). The pipeline drops the table
    when earlier data or settings changed in any other way.
-#}
{{ config(**incremental_where_supported('period_start')) }}
{%- set period = history_period() -%}

with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

periods as (

    select periods.*
    from {{ ref('int_history_periods') }} as periods
    {% if is_incremental() -%}
        where {{ recomputed_periods('periods.period_start', 'periods.period_end') }}
    {%- endif %}

),

daily_sales as (

    select daily.*
    from {{ ref('int_customer_daily_sales') }} as daily
    cross join pyramid_parameters
    where daily.order_date <= pyramid_parameters.as_of_date

),

first_dates as (

    select
        customer_id,
        min(order_date) as first_sale_date,
        min(case when has_purchase then order_date end) as first_purchase_date
    from daily_sales
    group by customer_id

),

known_from as (

    {#- A customer counts from sign-up (always, without a sign-up date) or from the first sale, if earlier. #}
    select
        customer_id,
        min(known_from_date) as known_from_date,
        min(first_purchase_date) as first_purchase_date
    from (
        select
            customer_id,
            coalesce(signup_date, cast('0001-01-01' as date)) as known_from_date,
            cast(null as date) as first_purchase_date
        from {{ ref('stg_customers') }}
        union all
        select
            customer_id,
            first_sale_date as known_from_date,
            first_purchase_date
        from first_dates
    ) as known_dates
    group by customer_id

),

days_in_windows as (

    {#- The days inside the window of at least one period built (a daily run: only the last window's). -#}
    select daily_sales.*
    from daily_sales
    cross join pyramid_parameters
    where
        daily_sales.order_date
        > (select min(periods.as_of_date) from periods) - pyramid_parameters.window_days

),

built_periods as (

    select
        min(period_number) as first_built,
        max(period_number) as last_number
    from periods

),

period_numbers as (

    {#- Every period of the history, also those this run does not rebuild, and the numbers of those it does. -#}
    select
        history_periods.period_start,
        history_periods.period_number,
        built_periods.first_built,
        built_periods.last_number
    from {{ ref('int_history_periods') }} as history_periods
    cross join built_periods

),

day_spans as (

    {#-
        The periods a customer-day counts in: those whose as-of date is on or after the day and before the day
        + window_days. Periods are consecutive, so they are a run of period numbers: from the period holding the
        day to the one before the period holding the day + window_days (the last period, when that day is after
        the as-of date). Only the built periods count: the run starts at the first of them at the earliest.
    -#}
    select
        sale_days.customer_id,
        sale_days.revenue,
        case when sale_days.has_purchase then 1 else 0 end as purchase_days,
        greatest(day_period.period_number, day_period.first_built) as from_number,
        case
            when sale_days.order_date + pyramid_parameters.window_days > pyramid_parameters.as_of_date
                then day_period.last_number
            else window_end_period.period_number - 1
        end as to_number
    from days_in_windows as sale_days
    cross join pyramid_parameters
    inner join period_numbers as day_period
        on cast(date_trunc('{{ period }}', sale_days.order_date) as date) = day_period.period_start
    left join period_numbers as window_end_period
        on
            cast(date_trunc('{{ period }}', sale_days.order_date + pyramid_parameters.window_days) as date)
            = window_end_period.period_start

),

window_changes as (

    {#-
        Each customer's window figures as changes from one period number to the next: a day adds its revenue
        and purchase day where its run of periods starts and takes them away after it ends. Summed over the
        periods up to a period, the changes give that period's window figures: the same sums as joining every
        period to the days of its window, without a row per day and period (a dozen per day for a year's
        window over months).
    -#}
    select
        customer_id,
        from_number as period_number,
        cast(sum(revenue) as decimal(38, 2)) as revenue_change,
        sum(purchase_days) as purchase_days_change
    from day_spans
    group by customer_id, from_number
    union all
    select
        customer_id,
        to_number + 1 as period_number,
        cast(-sum(revenue) as decimal(38, 2)) as revenue_change,
        -sum(purchase_days) as purchase_days_change
    from day_spans
    where to_number < (select built_periods.last_number from built_periods)
    group by customer_id, to_number

),

window_totals as (

    {#- Every known customer in every built period from the day they became known, with the running total of
        their window changes up to that period. -#}
    select
        customer_id,
        period_number,
        first_purchase_date,
        is_standing,
        sum(revenue_change) over running_total as window_revenue,
        sum(purchase_days_change) over running_total as window_purchase_days
    from (
        select
            known_from.customer_id,
            periods.period_number,
            known_from.first_purchase_date,
            true as is_standing,
            cast(0 as decimal(38, 2)) as revenue_change,
            0 as purchase_days_change
        from periods
        inner join known_from on periods.as_of_date >= known_from.known_from_date
        union all
        select
            customer_id,
            period_number,
            cast(null as date) as first_purchase_date,
            false as is_standing,
            revenue_change,
            purchase_days_change
        from window_changes
    ) as standing_and_changes
    window running_total as (
        partition by customer_id order by period_number range between unbounded preceding and current row
    )

),

standing as (

    select
        periods.period_start,
        periods.period_end,
        periods.as_of_date,
        periods.is_period_closed,
        totals.customer_id,
        {{ customer_level(
            'totals.window_purchase_days > 0', 'totals.first_purchase_date <= periods.as_of_date'
        ) }} as level,
        totals.window_revenue
    from window_totals as totals
    inner join periods on totals.period_number = periods.period_number
    where totals.is_standing

),

ranked as (

    select
        *,
        row_number() over (
            partition by period_start, level order by window_revenue desc, customer_id asc
        ) as rank_in_level,
        count(*) over (partition by period_start, level) as customers_in_level
    from standing

),

tiered as (

    {#- The tier rule once per row (its boundaries are computed from the count). -#}
    select
        *,
        case when level = 'active' then {{ tier_for_rank('rank_in_level', 'customers_in_level') }} end as tier
    from ranked

)

select
    period_start,
    period_end,
    as_of_date,
    is_period_closed,
    customer_id,
    level,
    tier,
    coalesce(tier, level) as pyramid_level,
    cast(window_revenue as decimal(38, 2)) as window_revenue,
    cast(case when level = 'active' then rank_in_level end as bigint) as revenue_rank
from tiered
