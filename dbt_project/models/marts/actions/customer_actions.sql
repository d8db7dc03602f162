{#-
    What to do next, per customer: one row per customer and action, ranked within each action by the value at
    stake (priority 1 = first to call). The rules, each with its dbt var (defaults in dbt_project.yml):
    - retain: a customer of a tier at or above `action_retain_min_tier` whose outlook (customer_outlook) expects
      a lower level at the end of its horizon: a lower tier, or inactive.
    - win_back: inactive, lapsed within the last `action_win_back_days` days (the last order left the window
      that recently), with lifetime revenue at least the lowest window revenue of tier `action_win_back_min_tier`.
    - grow: active, below the top tier, within `action_grow_gap_percent` % under the lowest window revenue of
      the tier above, and likely to buy again (customer_outlook.p_buys, macro likely_to_buy).
    - welcome: first purchase in the current history period (var history_period).
    - resolve_complaint: a customer of a tier at or above `action_complaint_min_tier` with a complaint opened
      in the last `action_complaint_days` days that is still open or was slow (var slow_complaint_hours).
-#}
{%- set tiers = tier_names() -%}
{%- for name in ['action_retain_min_tier', 'action_win_back_min_tier', 'action_complaint_min_tier'] -%}
    {%- if var(name) not in tiers -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be one of " ~ tiers | join(", ") ~ "; got " ~ var(name)) }}
    {%- endif -%}
{%- endfor -%}
{%- for name, lowest, highest in [
    ('action_win_back_days', 0, none),
    ('action_grow_gap_percent', 0, 100), ('action_complaint_days', 1, none)] -%}
    {%- set value = var(name) | float -%}
    {%- if value < lowest or (highest is not none and value > highest) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be at least " ~ lowest
            ~ (" and at most " ~ highest if highest is not none else "") ~ "; got " ~ var(name)) }}
    {%- endif -%}
{%- endfor -%}
{%- set period = history_period() -%}
{%- set open_complaints = count_text('complaints.open_complaints', 'open_complaint') -%}
{%- set slow_complaints = count_text('complaints.slow_complaints', 'slow_complaint') -%}
{%- set complaints_text -%}
    case
        when complaints.open_complaints > 0 and complaints.slow_complaints > 0
            then {{ sentence('open_and_slow', {'open': open_complaints, 'slow': slow_complaints}) }}
        when complaints.open_complaints > 0 then {{ open_complaints }}
        else {{ slow_complaints }}
    end
{%- endset -%}

with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

customers as (

    select
        customers.customer_id,
        customers.first_order_date,
        customers.last_order_date,
        customers.lifetime_revenue,
        customers.days_since_last_order,
        customers.level,
        customers.tier,
        customers.country,
        customers.segment,
        customers.channel,
        {{ level_order('customers.tier') }} as tier_order,
        coalesce(revenue.window_revenue, 0) as window_revenue,
        coalesce(revenue.window_orders, 0) as window_orders,
        customers.reachable
    from {{ ref('customers') }} as customers
    left join {{ ref('int_customer_revenue') }} as revenue on customers.customer_id = revenue.customer_id

),

outlook_quality as (

    {#- What the actions that use the outlook (retain, grow) say of it, at the end of their reason: the limits
        its backtest misses (macro outlook_quality_warnings), or that it could not be backtested. -#}
    select
        case
            when count(*) = 0 then {{ sentence('outlook_unchecked', {}) }}
            when max(quality_warnings) is not null
                then {{ sentence('outlook_below_limits', {'warnings': 'max(quality_warnings)'}) }}
            else ''
        end as note
    from {{ ref('outlook_backtest') }}
    where segment = 'all'

),

tier_floors as (

    {#- The lowest window revenue in each tier: what it takes to be in it (no row for an empty tier). -#}
    select
        tier,
        tier_order,
        min(window_revenue) as floor_revenue
    from customers
    where tier is not null
    group by tier, tier_order

),

retain as (

    select
        customers.customer_id,
        'retain' as action,  -- noqa: RF04
        customers.tier,
        customers.window_revenue as value_at_stake,
        {{ sentence('retain', {
            'tier': level_text('customers.tier'),
            'revenue': money_text('customers.window_revenue'),
            'window': count_text('pyramid_parameters.window_days', 'day'),
            'predicted': level_text('outlook.predicted_level'),
            'horizon': count_text('outlook.outlook_days', 'day'),
            'chance': chance_text('outlook.p_buys'),
            'expected': money_text('outlook.expected_revenue')}) }} || outlook_quality.note as reason
    from customers
    cross join pyramid_parameters
    cross join outlook_quality
    inner join {{ ref('customer_outlook') }} as outlook on customers.customer_id = outlook.customer_id
    where
        customers.tier_order <= {{ level_order("'" ~ var('action_retain_min_tier') ~ "'") }}
        and {{ level_order('outlook.predicted_level') }} > customers.tier_order

),

win_back as (

    select
        customers.customer_id,
        'win_back' as action,  -- noqa: RF04
        customers.tier,
        customers.lifetime_revenue as value_at_stake,
        {{ sentence('win_back', {
            'last_date': date_text('customers.last_order_date'),
            'since': count_text('customers.days_since_last_order', 'day'),
            'window_days': number_text('pyramid_parameters.window_days'),
            'window': count_text('pyramid_parameters.window_days', 'day'),
            'left': count_text('customers.days_since_last_order - pyramid_parameters.window_days', 'day'),
            'lifetime': money_text('customers.lifetime_revenue'),
            'floor_tier': level_text('floors.tier'),
            'floor': money_text('floors.floor_revenue')}) }} as reason
    from customers
    cross join pyramid_parameters
    inner join tier_floors as floors on floors.tier = '{{ var("action_win_back_min_tier") }}'
    where
        customers.level = 'inactive'
        and customers.days_since_last_order
        < pyramid_parameters.window_days + {{ var('action_win_back_days') | int }}
        and customers.lifetime_revenue >= floors.floor_revenue

),

grow as (

    select
        customers.customer_id,
        'grow' as action,  -- noqa: RF04
        customers.tier,
        above.floor_revenue - customers.window_revenue as value_at_stake,
        {{ sentence('grow', {
            'tier': level_text('customers.tier'),
            'gap': money_text('above.floor_revenue - customers.window_revenue'),
            'above': level_text('above.tier'),
            'revenue': money_text('customers.window_revenue'),
            'floor': money_text('above.floor_revenue'),
            'chance': chance_text('outlook.p_buys')}) }} || outlook_quality.note as reason
    from customers
    cross join outlook_quality
    inner join tier_floors as above on customers.tier_order = above.tier_order + 1
    inner join {{ ref('customer_outlook') }} as outlook on customers.customer_id = outlook.customer_id
    where
        {{ likely_to_buy('outlook.p_buys') }}
        and customers.window_revenue < above.floor_revenue
        and customers.window_revenue * 100
        >= above.floor_revenue * (100 - {{ var('action_grow_gap_percent') | float }})

),

welcome as (

    select
        customers.customer_id,
        'welcome' as action,  -- noqa: RF04
        customers.tier,
        customers.window_revenue as value_at_stake,
        {{ sentence('welcome', {
            'first_date': date_text('customers.first_order_date'),
            'revenue': money_text('customers.window_revenue')}) }} as reason
    from customers
    cross join pyramid_parameters
    where
        customers.tier is not null
        and customers.first_order_date >= cast(date_trunc('{{ period }}', pyramid_parameters.as_of_date) as date)

),

recent_complaints as (

    select
        complaints.customer_id,
        sum(case when complaints.hours_to_resolve is null then 1 else 0 end) as open_complaints,
        sum(case when complaints.hours_to_resolve is not null then 1 else 0 end) as slow_complaints
    from {{ ref('int_window_complaints') }} as complaints
    cross join pyramid_parameters
    where
        (complaints.hours_to_resolve is null or complaints.is_slow)
        and cast(complaints.opened_at as date)
        > {{ dbt.dateadd('day', -(var('action_complaint_days') | int), 'pyramid_parameters.as_of_date') }}
    group by complaints.customer_id

),

resolve_complaint as (

    select
        customers.customer_id,
        'resolve_complaint' as action,  -- noqa: RF04
        customers.tier,
        customers.window_revenue as value_at_stake,
        {{ sentence('resolve_complaint', {
            'tier': level_text('customers.tier'),
            'revenue': money_text('customers.window_revenue'),
            'complaints': complaints_text,
            'days': count_text(var('action_complaint_days') | int, 'day'),
            'days_genitive': count_text(var('action_complaint_days') | int, 'day_genitive')}) }} as reason
    from customers
    inner join recent_complaints as complaints on customers.customer_id = complaints.customer_id
    where customers.tier_order <= {{ level_order("'" ~ var('action_complaint_min_tier') ~ "'") }}

),

actions as (

    select * from retain
    union all
    select * from win_back
    union all
    select * from grow
    union all
    select * from welcome
    union all
    select * from resolve_complaint

)

select
    actions.customer_id,
    actions.action,
    cast(row_number() over (
        partition by actions.action order by actions.value_at_stake desc, actions.customer_id asc
    ) as integer) as priority,
    cast(actions.value_at_stake as decimal(38, 2)) as value_at_stake,
    actions.reason,
    actions.tier,
    customers.reachable,
    customers.country,
    customers.segment,
    customers.channel,
    customers.last_order_date,
    pyramid_parameters.as_of_date
from actions
cross join pyramid_parameters
inner join customers on actions.customer_id = customers.customer_id
