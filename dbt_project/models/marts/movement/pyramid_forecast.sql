{#-
    The pyramid ahead: expected customers and window revenue per level at the end of the next period and after
    `forecast_horizon_periods` periods, from the migration matrix as a Markov chain (macros/markov.sql; its shares
    in int_forecast_transitions), with the same forecast's error measured on the past beside it (made one period,
    and the horizon, before the latest period, and compared with what then happened). Revenue is expected
    customers times the level's average window revenue per customer at the start of the forecast.
-#}
{%- set chains = forecast_chains() -%}
{%- set horizon = chains.forecast.steps -%}
{%- set period = history_period() -%}

with level_counts as (

    select * from {{ ref('int_level_counts') }}

),

transitions as (

    select * from {{ ref('int_forecast_transitions') }}

),

levels as (

    {% for level in pyramid_levels()[:6] -%}
        select '{{ level }}' as level
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

latest_period as (

    select distinct
        period_start,
        period_number
    from level_counts
    where period_number = (select max(latest.period_number) from level_counts as latest)

),

now_revenue as (

    select
        level_counts.level,
        {{ safe_ratio('level_counts.revenue', 'level_counts.customers', 2, 38) }} as avg_revenue,
        level_counts.revenue,
        level_counts.as_of_date
    from level_counts
    inner join latest_period on level_counts.period_number = latest_period.period_number

),

before_revenue as (

    {#- Average window revenue per level at the base of the one-period backtest (the period before). -#}
    select
        level_counts.level,
        {{ safe_ratio('level_counts.revenue', 'level_counts.customers', 2, 38) }} as avg_revenue
    from level_counts
    where level_counts.period_number = (select latest_period.period_number - 1 from latest_period)

),

{% for chain, shape in chains.items() -%}
    {{ markov_steps(chain, shape.base_offset, shape.steps) }},

{% endfor -%}
chains as (

    select
        {%- for chain in chains %}
            coalesce(max(case when transitions.chain = '{{ chain }}' then transitions.pairs end), 0)
                as {{ chain }}_pairs,
        {%- endfor %}
        max(latest_period.period_number) - {{ chains.backtest_horizon.base_offset }} as backtest_horizon_base
    from latest_period
    left join transitions on true

),

forecast as (

    select
        levels.level,
        step_0.customers as customers_now,
        case when chains.forecast_pairs > 0 then next_step.customers end as expected_next,
        case when chains.forecast_pairs > 0 then horizon_step.customers end as expected_horizon,
        case when chains.backtest_next_pairs > 0 then backtest_next.customers end as backtest_next,
        case
            when chains.backtest_horizon_pairs > 0 and chains.backtest_horizon_base >= 1
                then backtest_horizon.customers
        end as backtest_horizon
    from levels
    cross join chains
    inner join forecast_step_0 as step_0 on levels.level = step_0.level
    inner join forecast_step_1 as next_step on levels.level = next_step.level
    inner join forecast_step_{{ horizon }} as horizon_step on levels.level = horizon_step.level
    inner join backtest_next_step_1 as backtest_next on levels.level = backtest_next.level
    inner join backtest_horizon_step_{{ horizon }} as backtest_horizon on levels.level = backtest_horizon.level

)

select
    forecast.level,
    {{ level_order('forecast.level') }} as level_order,
    cast(forecast.customers_now as bigint) as customers,
    cast(coalesce(now_revenue.revenue, 0) as decimal(38, 2)) as revenue,
    cast({{ dbt.dateadd(period, 1, 'latest_period.period_start') }} as date) as next_period_start,
    {{ round_decimal('forecast.expected_next', 2, 38) }} as expected_customers_next,
    cast(round(round(forecast.expected_next * coalesce(now_revenue.avg_revenue, 0), 6), 2) as decimal(38, 2))
        as expected_revenue_next,
    cast({{ horizon }} as integer) as horizon_periods,
    cast({{ dbt.dateadd(period, horizon, 'latest_period.period_start') }} as date) as horizon_period_start,
    {{ round_decimal('forecast.expected_horizon', 2, 38) }} as expected_customers_horizon,
    cast(round(round(forecast.expected_horizon * coalesce(now_revenue.avg_revenue, 0), 6), 2) as decimal(38, 2))
        as expected_revenue_horizon,
    {{ round_decimal('forecast.backtest_next', 2, 38) }} as backtest_customers_next,
    {{ round_decimal('forecast.backtest_next - forecast.customers_now', 2, 38) }} as backtest_error_next,
    {{ safe_ratio('abs(forecast.backtest_next - forecast.customers_now)', 'forecast.customers_now', 4) }}
        as backtest_abs_error_share_next,
    cast(round(round(forecast.backtest_next * coalesce(before_revenue.avg_revenue, 0), 6), 2) as decimal(38, 2))
        as backtest_revenue_next,
    {{ round_decimal('forecast.backtest_horizon', 2, 38) }} as backtest_customers_horizon,
    {{ round_decimal('forecast.backtest_horizon - forecast.customers_now', 2, 38) }} as backtest_error_horizon,
    cast(coalesce(now_revenue.as_of_date, (select max(latest.as_of_date) from level_counts as latest)) as date)
        as as_of_date
from forecast
cross join latest_period
left join now_revenue on forecast.level = now_revenue.level
left join before_revenue on forecast.level = before_revenue.level
