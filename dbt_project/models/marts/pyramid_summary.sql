{#- One row per level of the pyramid, in its fixed order, always all eight (zero counts included). -#}
{%- set levels = pyramid_levels() -%}

with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

level_order as (

    {% for level in levels -%}
        select
            '{{ level }}' as level,
            {{ loop.index }} as level_order,
            {{ 'true' if loop.index <= 4 else 'false' }} as is_active_level
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

members as (

    select
        coalesce(tiers.tier, levels.level) as level,
        levels.window_revenue as revenue
    from {{ ref('int_customer_levels') }} as levels
    left join {{ ref('int_active_customers_ranked') }} as tiers on levels.customer_id = tiers.customer_id

),

known_levels as (

    select
        level,
        count(*) as customers,
        sum(revenue) as revenue,
        min(revenue) as min_revenue,
        max(revenue) as max_revenue
    from members
    group by level

),

totals as (

    select
        count(*) as known_customers,
        coalesce(sum(case when {{ is_tier('level') }} then 1 end), 0) as active_customers,
        coalesce(sum(revenue), 0) as revenue
    from members

),

rest as (

    select
        'rest' as level,
        case
            when pyramid_parameters.market_population is null then null
            when pyramid_parameters.market_population < totals.known_customers
                then {{ fail_query(
                    "'var market_population (' || cast(pyramid_parameters.market_population as " ~ dbt.type_string()
                    ~ ") || ') is smaller than the customers, prospects and suspects already known ('"
                    ~ " || cast(totals.known_customers as " ~ dbt.type_string() ~ ") || ')'") }}
            else pyramid_parameters.market_population - totals.known_customers
        end as customers
    from pyramid_parameters
    cross join totals

),

counted as (

    select
        level_order.level,
        level_order.level_order,
        level_order.is_active_level,
        case
            when level_order.level = 'rest' then rest.customers
            else coalesce(known_levels.customers, 0)
        end as customers,
        case
            when level_order.level = 'rest' then case when rest.customers is not null then 0 end
            else coalesce(known_levels.revenue, 0)
        end as revenue,
        known_levels.min_revenue,
        known_levels.max_revenue
    from level_order
    left join known_levels on level_order.level = known_levels.level
    left join rest on level_order.level = rest.level

)

select
    counted.level,
    cast(counted.level_order as integer) as level_order,
    cast(counted.customers as bigint) as customers,
    case
        when counted.is_active_level then {{ safe_ratio('counted.customers', 'totals.active_customers') }}
    end as share_of_active,
    cast(counted.revenue as decimal(38, 2)) as revenue,
    {{ safe_ratio('counted.revenue', 'totals.revenue') }} as share_of_revenue,
    {{ safe_ratio('counted.revenue', 'counted.customers', 2, 38) }} as avg_revenue,
    cast(counted.min_revenue as decimal(38, 2)) as min_revenue,
    cast(counted.max_revenue as decimal(38, 2)) as max_revenue,
    pyramid_parameters.as_of_date
from counted
cross join totals
cross join pyramid_parameters
order by counted.level_order
