{#-
    Every customer's standing at the end of every period: level, tier and window revenue as of that day,
    computed for all periods at once with the same rules as the current pyramid (suspects are left out, as in
    `customers`). Incremental: a run adds the periods after the last one stored and recomputes that last one
    (it may have been the running period), and every period ending on or after the earliest day of newly
    appended sales lines (a late correction: `raw.load_state.changed_from_date`). The pipeline drops the table
    when earlier data or settings changed in any other way.
-#}
{{ config(**incremental_where_supported('period_start')) }}

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

window_sales as (

    select
        periods.period_start,
        daily_sales.customer_id,
        sum(daily_sales.revenue) as window_revenue,
        bool_or(daily_sales.has_purchase) as has_purchase
    from periods
    cross join pyramid_parameters
    inner join days_in_windows as daily_sales
        on
            periods.as_of_date >= daily_sales.order_date
            and periods.as_of_date - pyramid_parameters.window_days < daily_sales.order_date
    group by periods.period_start, daily_sales.customer_id

),

standing as (

    select
        periods.period_start,
        periods.period_end,
        periods.as_of_date,
        periods.is_period_closed,
        known_from.customer_id,
        {{ customer_level(
            'coalesce(window_sales.has_purchase, false)', 'known_from.first_purchase_date <= periods.as_of_date'
        ) }} as level,
        coalesce(window_sales.window_revenue, 0) as window_revenue
    from periods
    inner join known_from on periods.as_of_date >= known_from.known_from_date
    left join window_sales
        on
            periods.period_start = window_sales.period_start
            and known_from.customer_id = window_sales.customer_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by period_start, level order by window_revenue desc, customer_id asc
        ) as rank_in_level,
        count(*) over (partition by period_start, level) as customers_in_level
    from standing

)

select
    period_start,
    period_end,
    as_of_date,
    is_period_closed,
    customer_id,
    level,
    case when level = 'active' then {{ tier_for_rank('rank_in_level', 'customers_in_level') }} end as tier,
    case
        when level = 'active' then {{ tier_for_rank('rank_in_level', 'customers_in_level') }} else level
    end as pyramid_level,
    cast(window_revenue as decimal(38, 2)) as window_revenue,
    cast(case when level = 'active' then rank_in_level end as bigint) as revenue_rank
from ranked
