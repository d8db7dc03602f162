{#-
    The per-customer summary the outlook is fitted on (int_outlook_scores), taken at two cutoffs: `outlook`, the
    as-of date, and `backtest`, one outlook horizon earlier, whose next horizon has happened by the as-of date
    (its `actual_*` columns). One row per cutoff and known customer: everyone who bought on or before the cutoff,
    and the prospects (a relationship by then, from the customer list or a sales line without a positive
    amount, and no purchase yet). Purchases are counted in
    purchase days, as BG/NBD counts them: two orders on one day are one purchase.
-#}
{%- set horizon = outlook_days() | int -%}

{%- set window_days = var('window_days') | int -%}
{#- Read by int_outlook_fits (its config); checked here, where dbt compiles the outlook's SQL. -#}
{%- set refit_days = var('outlook_refit_days') -%}
{%- if (refit_days | string) != ((refit_days | int) | string) or (refit_days | int) < 0 -%}
    {{ exceptions.raise_compiler_error("var outlook_refit_days must be a whole number of days >= 0; got " ~ refit_days) }}
{%- endif -%}

with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

cutoffs as (

    select
        'outlook' as fit_kind,
        as_of_date as cutoff_date,
        as_of_date
    from pyramid_parameters
    union all
    select
        'backtest' as fit_kind,
        cast({{ dbt.dateadd('day', -horizon, 'as_of_date') }} as date) as cutoff_date,
        as_of_date
    from pyramid_parameters

),

cutoff_dates as (

    select
        max(case when fit_kind = 'outlook' then cutoff_date end) as outlook_cutoff,
        max(case when fit_kind = 'backtest' then cutoff_date end) as backtest_cutoff
    from cutoffs

),

per_customer as (

    {#- Each customer's sums at both cutoffs, extended daily by int_outlook_customer_sums. At the outlook
        cutoff (the as-of date) nothing is after it yet. -#}
    select
        customer_id,
        first_purchase_date,
        first_line_date,
        {%- for kind in ['outlook', 'backtest'] %}
            {{ kind }}_purchase_days,
            {{ kind }}_last_purchase_date,
            {{ kind }}_lifetime_revenue,
            {{ kind }}_repeat_revenue,
            {{ kind }}_window_revenue,
            {{ kind }}_window_purchase_days > 0 as {{ kind }}_was_active,
        {%- endfor %}
        cast(0 as bigint) as outlook_next_purchase_days,
        cast(0 as decimal(38, 2)) as outlook_next_revenue,
        backtest_next_purchase_days,
        backtest_next_revenue
    from {{ ref('int_outlook_customer_sums') }}

),

buyers as (

    {#- Everyone who bought on or before the cutoff, one row per cutoff. -#}
    {%- for kind in ['outlook', 'backtest'] %}
        select
            '{{ kind }}' as fit_kind,
            cutoff_dates.{{ kind }}_cutoff as cutoff_date,
            per_customer.customer_id,
            per_customer.first_purchase_date,
            per_customer.{{ kind }}_purchase_days as purchase_days,
            per_customer.{{ kind }}_last_purchase_date as last_purchase_date,
            per_customer.{{ kind }}_lifetime_revenue as lifetime_revenue,
            per_customer.{{ kind }}_repeat_revenue as repeat_revenue,
            per_customer.{{ kind }}_window_revenue as window_revenue,
            per_customer.{{ kind }}_was_active as was_active,
            per_customer.{{ kind }}_next_purchase_days as next_purchase_days,
            per_customer.{{ kind }}_next_revenue as next_revenue
        from per_customer
        cross join cutoff_dates
        where per_customer.first_purchase_date <= cutoff_dates.{{ kind }}_cutoff
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

relationships as (

    {#- Everyone with a relationship by the cutoff: on the customer list (signed up by then, or no sign-up
        date), or with a sales line by then (a line of zero or negative amount is a relationship, not a
        purchase, as the level rule counts it). -#}
    select
        cutoffs.fit_kind,
        cutoffs.cutoff_date,
        stg_customers.customer_id
    from {{ ref('stg_customers') }} as stg_customers
    cross join cutoffs
    where stg_customers.signup_date is null or stg_customers.signup_date <= cutoffs.cutoff_date
    union
    select
        cutoffs.fit_kind,
        cutoffs.cutoff_date,
        per_customer.customer_id
    from per_customer
    inner join cutoffs on per_customer.first_line_date <= cutoffs.cutoff_date

),

prospects as (

    {#- A relationship by the cutoff and no purchase by then: the customer list's prospects and the customers
        known only from lines without a positive amount. What they did after the cutoff comes from the same
        per-customer pass (a customer on the list with no sales line: nothing). -#}
    select
        relationships.fit_kind,
        relationships.cutoff_date,
        relationships.customer_id,
        coalesce(case
            when relationships.fit_kind = 'outlook' then per_customer.outlook_next_purchase_days
            else per_customer.backtest_next_purchase_days
        end, 0) as next_purchase_days,
        coalesce(case
            when relationships.fit_kind = 'outlook' then per_customer.outlook_next_revenue
            else per_customer.backtest_next_revenue
        end, 0) as next_revenue
    from relationships
    left join per_customer on relationships.customer_id = per_customer.customer_id
    where
        per_customer.first_purchase_date is null
        or per_customer.first_purchase_date > relationships.cutoff_date

),

complaints as (

    select
        cutoffs.fit_kind,
        complaint.customer_id,
        count(*) as window_complaints,
        count(
            case
                when complaint.resolved_at is null or cast(complaint.resolved_at as date) > cutoffs.cutoff_date
                    then 1
            end
        ) as open_complaints
    from {{ ref('stg_complaints') }} as complaint
    inner join cutoffs
        on
            complaint.opened_date <= cutoffs.cutoff_date
            and complaint.opened_date > {{ dbt.dateadd('day', -window_days, 'cutoffs.cutoff_date') }}
    group by cutoffs.fit_kind, complaint.customer_id

),

summary as (

    select
        fit_kind,
        cutoff_date,
        customer_id,
        true as has_purchased,
        cast(purchase_days - 1 as bigint) as frequency,
        cast({{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }} as bigint) as recency,  -- noqa: LT05
        cast({{ dbt.datediff('first_purchase_date', 'cutoff_date', 'day') }} as bigint) as tenure_days,  -- noqa: LT05
        {{ safe_ratio('repeat_revenue', 'purchase_days - 1', 2) }} as monetary_value,
        cast(purchase_days as bigint) as purchase_days,
        last_purchase_date,
        cast({{ dbt.datediff('last_purchase_date', 'cutoff_date', 'day') }} as bigint) as days_since_last_purchase,  -- noqa: LT05
        lifetime_revenue,
        {{ safe_ratio('lifetime_revenue', 'purchase_days', 2) }} as average_order_value,
        window_revenue,
        was_active,
        cast(next_purchase_days as bigint) as next_purchase_days,
        next_revenue
    from buyers
    union all
    select
        fit_kind,
        cutoff_date,
        customer_id,
        false as has_purchased,
        null as frequency,
        null as recency,
        null as tenure_days,
        null as monetary_value,
        cast(0 as bigint) as purchase_days,
        null as last_purchase_date,
        null as days_since_last_purchase,
        0 as lifetime_revenue,
        null as average_order_value,
        0 as window_revenue,
        false as was_active,
        cast(next_purchase_days as bigint) as next_purchase_days,
        next_revenue
    from prospects

)

select
    summary.fit_kind,
    summary.cutoff_date,
    cast({{ horizon }} as integer) as horizon_days,
    summary.customer_id,
    summary.has_purchased,
    summary.frequency,
    summary.recency,
    summary.tenure_days,
    summary.monetary_value,
    summary.purchase_days,
    summary.last_purchase_date,
    summary.days_since_last_purchase,
    cast(summary.lifetime_revenue as decimal(38, 2)) as lifetime_revenue,
    summary.average_order_value,
    cast(summary.window_revenue as decimal(38, 2)) as window_revenue,
    summary.was_active,
    cast(coalesce(complaints.window_complaints, 0) as bigint) as window_complaints,
    cast(coalesce(complaints.open_complaints, 0) as bigint) as open_complaints,
    case when summary.fit_kind = 'backtest' then summary.next_purchase_days end as actual_purchase_days,
    case when summary.fit_kind = 'backtest' then cast(summary.next_revenue as decimal(38, 2)) end as actual_revenue
from summary
left join complaints
    on
        summary.fit_kind = complaints.fit_kind
        and summary.customer_id = complaints.customer_id
