{#-
    Per customer with a sales day on or before the as-of date, the sums int_outlook_summary takes at its two
    cutoffs (`outlook`: the as-of date; `backtest`: one outlook horizon earlier), each cutoff's side by side.

    Incremental, so a daily run reads days, not the whole history: both cutoffs move forward from the stored
    as-of date (the latest `as_of_date` written), and each cutoff's sums change only by the days that enter it
    (after the old cutoff, up to the new one) and the days that leave its activity window (the same span,
    `window_days` earlier); the backtest's next horizon gains the outlook's entering days and loses the
    backtest's. Only the customers with such a day are rewritten, with their stored row plus the change. A
    full build is the same arithmetic from no stored row (every day enters). The pipeline drops the table
    when the stored sums may not be extended (orchestration/build/history.py: other sales before the stored
    as-of date, another window or horizon, an earlier as-of date); built by hand, those stop the build.
-#}
{{ config(**incremental_where_supported('customer_id', spark_partition=false)) }}

{%- set horizon = outlook_days() | int -%}
{%- set window_days = var('window_days') | int -%}
{%- set kinds = ['outlook', 'backtest'] -%}

{{ check_stored_outlook_sums(window_days, horizon) }}

with parameters as (

    select
        as_of_date,
        {% if is_incremental() -%}
            (select max(stored.as_of_date) from {{ this }} as stored)
        {%- else -%}
            cast(null as date)
        {%- endif %} as stored_as_of_date
    from {{ ref('int_pyramid_parameters') }}

),

spans as (

    {#- The days each cutoff's sums gain (`enter`) and the days that leave its window (`leave`), as
        (after, through]; `after` null: every day from the first. -#}
    select
        as_of_date,
        stored_as_of_date as outlook_enter_after,
        as_of_date as outlook_enter_through,
        cast({{ dbt.dateadd('day', -window_days, 'stored_as_of_date') }} as date) as outlook_leave_after,
        cast({{ dbt.dateadd('day', -window_days, 'as_of_date') }} as date) as outlook_leave_through,
        cast({{ dbt.dateadd('day', -horizon, 'stored_as_of_date') }} as date) as backtest_enter_after,
        cast({{ dbt.dateadd('day', -horizon, 'as_of_date') }} as date) as backtest_enter_through,
        cast({{ dbt.dateadd('day', -(horizon + window_days), 'stored_as_of_date') }} as date)
            as backtest_leave_after,
        cast({{ dbt.dateadd('day', -(horizon + window_days), 'as_of_date') }} as date) as backtest_leave_through
    from parameters

),

days as (

    select
        daily.customer_id,
        daily.order_date,
        daily.revenue,
        daily.has_purchase,
        {%- for kind in kinds %}
            {%- for move in ['enter', 'leave'] %}
                (spans.{{ kind }}_{{ move }}_after is null or daily.order_date > spans.{{ kind }}_{{ move }}_after)
                and daily.order_date <= spans.{{ kind }}_{{ move }}_through as {{ move }}s_{{ kind }},
            {%- endfor %}
        {%- endfor %}
        spans.as_of_date
    from {{ ref('int_customer_daily_sales') }} as daily
    cross join spans
    where
        daily.order_date <= spans.as_of_date
        and (spans.backtest_leave_after is null or daily.order_date > spans.backtest_leave_after)

),

moved_days as (

    select * from days
    where enters_outlook or leaves_outlook or enters_backtest or leaves_backtest

),

first_purchases as (

    {#- The first purchase day by the as-of date: the stored one, or the first entering the outlook. A full
        build reads it from the customer-days itself, so the days are read once by `changes` (two readers of
        one CTE made DuckDB keep all of its rows). -#}
    {%- if is_incremental() %}
        {%- set entering = 'min(case when moved_days.enters_outlook and moved_days.has_purchase'
            ~ ' then moved_days.order_date end)' %}
        select
            moved_days.customer_id,
            least(min(stored.first_purchase_date), {{ entering }}) as first_purchase_date
        from moved_days
        left join {{ this }} as stored on moved_days.customer_id = stored.customer_id
        group by moved_days.customer_id
    {%- else %}
        select
            daily.customer_id,
            min(daily.order_date) as first_purchase_date
        from {{ ref('int_customer_daily_sales') }} as daily
        cross join parameters
        where daily.has_purchase and daily.order_date <= parameters.as_of_date
        group by daily.customer_id
    {%- endif %}

),

changes as (

    select
        moved_days.customer_id,
        first_purchases.first_purchase_date,
        min(case when moved_days.enters_outlook then moved_days.order_date end) as first_line_date,
        {%- for kind in kinds %}
            count(case when moved_days.enters_{{ kind }} and moved_days.has_purchase then 1 end)
                as {{ kind }}_purchase_days,
            max(case when moved_days.enters_{{ kind }} and moved_days.has_purchase then moved_days.order_date end)
                as {{ kind }}_last_purchase_date,
            coalesce(sum(case when moved_days.enters_{{ kind }} then moved_days.revenue end), 0)
                as {{ kind }}_lifetime_revenue,
            coalesce(sum(
                case
                    when moved_days.enters_{{ kind }} and moved_days.order_date > first_purchases.first_purchase_date
                        then moved_days.revenue
                end
            ), 0) as {{ kind }}_repeat_revenue,
            coalesce(sum(case when moved_days.enters_{{ kind }} then moved_days.revenue end), 0)
            - coalesce(sum(case when moved_days.leaves_{{ kind }} then moved_days.revenue end), 0)
                as {{ kind }}_window_revenue,
            count(case when moved_days.enters_{{ kind }} and moved_days.has_purchase then 1 end)
            - count(case when moved_days.leaves_{{ kind }} and moved_days.has_purchase then 1 end)
                as {{ kind }}_window_purchase_days,
        {%- endfor %}
        {#- The backtest's next horizon, (backtest cutoff, as-of date]: gains what enters the outlook, loses
            what enters the backtest. -#}
        count(case when moved_days.enters_outlook and moved_days.has_purchase then 1 end)
        - count(case when moved_days.enters_backtest and moved_days.has_purchase then 1 end)
            as backtest_next_purchase_days,
        coalesce(sum(case when moved_days.enters_outlook then moved_days.revenue end), 0)
        - coalesce(sum(case when moved_days.enters_backtest then moved_days.revenue end), 0)
            as backtest_next_revenue,
        max(moved_days.as_of_date) as as_of_date
    from moved_days
    left join first_purchases on moved_days.customer_id = first_purchases.customer_id
    group by moved_days.customer_id, first_purchases.first_purchase_date

)

{%- set sums = [] -%}
{%- for kind in kinds -%}
    {%- for name in ['purchase_days', 'lifetime_revenue', 'repeat_revenue', 'window_revenue'] -%}
        {%- do sums.append(kind ~ '_' ~ name) -%}
    {%- endfor -%}
    {%- do sums.append(kind ~ '_window_purchase_days') -%}
{%- endfor -%}
{%- do sums.extend(['backtest_next_purchase_days', 'backtest_next_revenue']) %}

{#- A rewritten customer's row: the stored one plus the change (a full build: the change). -#}
select
    changes.customer_id,
    changes.first_purchase_date,
    {%- for column, combine in [
        ('first_line_date', 'least'),
        ('outlook_last_purchase_date', 'greatest'),
        ('backtest_last_purchase_date', 'greatest'),
    ] %}
        {%- set changed = 'changes.' ~ column %}
        {{ combine ~ '(stored.' ~ column ~ ', ' ~ changed ~ ')' if is_incremental() else changed }}
            as {{ column }},  -- noqa: AL09
    {%- endfor %}
    {%- for name in sums %}
        {%- set value = ('coalesce(stored.' ~ name ~ ', 0) + ' if is_incremental() else '') ~ 'changes.' ~ name %}
        {%- set type = 'decimal(38, 2)' if name.endswith('revenue') else 'bigint' %}
        cast({{ value }} as {{ type }}) as {{ name }},
    {%- endfor %}
    changes.as_of_date,
    cast({{ window_days }} as integer) as window_days,
    cast({{ horizon }} as integer) as horizon_days
from changes
{% if is_incremental() -%}
    left join {{ this }} as stored on changes.customer_id = stored.customer_id
{%- endif %}
