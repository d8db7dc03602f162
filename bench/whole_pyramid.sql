-- The whole pyramid the pipeline computes, in bare DuckDB SQL (no dbt, no checks): the reference that
-- bench/run.py times beside `pyramid run`. Placeholders: {sales}, {customers}, {as_of}.
--   today:     every known customer's level (top, big, medium, small, inactive, prospect) and the summary
--   history:   the level and window revenue of every customer at every month end up to the as-of date (the
--              running month ends on the as-of date), tiers ranked per period
--   migration: customers and revenue moving between levels from each period to the next
-- Window revenue per period comes from per-customer running sums looked up at the period end and 365 days
-- earlier (ASOF joins), so no customer-day is joined to several period ends.

create temp table daily as
select
    customer_id,
    order_date,
    sum(amount) as revenue,
    bool_or(amount > 0) as has_purchase
from read_parquet('{sales}')
where order_date <= date '{as_of}'
group by customer_id, order_date;

create temp table running as
select
    customer_id,
    order_date,
    sum(revenue) over customer_days as revenue_to_date,
    sum(cast(has_purchase as integer)) over customer_days as purchase_days_to_date
from daily
window customer_days as (partition by customer_id order by order_date rows unbounded preceding);

create temp table firsts as
select
    customer_id,
    min(order_date) as first_sale,
    min(order_date) filter (where has_purchase) as first_purchase
from daily
group by customer_id;

create temp table periods as
select
    row_number() over (order by month_start) as period_number,
    least(last_day(month_start), date '{as_of}') as as_of_date
from range(
    date_trunc('month', (select min(order_date) from daily)),
    date '{as_of}' + interval 1 day,
    interval 1 month
) as months (month_start);

create temp table standing as
with pairs as (
    select
        periods.period_number,
        periods.as_of_date,
        firsts.customer_id,
        firsts.first_purchase
    from periods
    inner join firsts on periods.as_of_date >= firsts.first_sale
),

at_end as (
    select
        pairs.*,
        running.revenue_to_date,
        running.purchase_days_to_date
    from pairs
    asof inner join running
        on pairs.customer_id = running.customer_id and pairs.as_of_date >= running.order_date
),

at_start as (
    select
        at_end.*,
        coalesce(running.revenue_to_date, 0) as revenue_before,
        coalesce(running.purchase_days_to_date, 0) as purchase_days_before
    from at_end
    asof left join running
        on at_end.customer_id = running.customer_id and at_end.as_of_date - 365 >= running.order_date
)

select
    period_number,
    as_of_date,
    customer_id,
    revenue_to_date - revenue_before as window_revenue,
    case
        when purchase_days_to_date > purchase_days_before then 'active'
        when first_purchase <= as_of_date then 'inactive'
        else 'prospect'
    end as standing
from at_start;

create temp table history as
with ranked as (
    select
        *,
        row_number() over (partition by period_number order by window_revenue desc, customer_id) as revenue_rank,
        count(*) over (partition by period_number) as active_customers
    from standing
    where standing = 'active'
)

select
    period_number,
    as_of_date,
    customer_id,
    window_revenue,
    case
        when revenue_rank <= floor(active_customers * 0.01 + 0.5) then 'top'
        when revenue_rank <= floor(active_customers * 0.05 + 0.5) then 'big'
        when revenue_rank <= floor(active_customers * 0.20 + 0.5) then 'medium'
        else 'small'
    end as level
from ranked
union all
select
    period_number,
    as_of_date,
    customer_id,
    window_revenue,
    standing as level
from standing
where standing <> 'active';

create temp table migration as
select
    coalesce(earlier.level, 'new') as level_then,
    later.level as level_now,
    later.period_number,
    count(*) as customers,
    sum(coalesce(earlier.window_revenue, 0)) as revenue_then,
    sum(later.window_revenue) as revenue_now
from history as later
left join history as earlier
    on earlier.customer_id = later.customer_id and earlier.period_number = later.period_number - 1
group by all;

create temp table today as
select
    customer_id,
    level,
    window_revenue
from history
where period_number = (select max(period_number) from periods)
union all
select
    customers.customer_id,
    'prospect' as level,
    0 as window_revenue
from read_parquet('{customers}') as customers
anti join firsts on customers.customer_id = firsts.customer_id;

create temp table summary as
select
    level,
    count(*) as customers,
    sum(window_revenue) as revenue
from today
group by level;
