{#-
    Do customers whose complaints are handled slowly lapse more often? Every period in which a customer was
    active is one observation, grouped by the complaints the customer opened in that period: none, all resolved
    within var `slow_complaint_hours`, or at least one slow (macro is_slow_complaint: resolved later, or still
    open that long at the end of the data's latest as-of date). An observation lapsed when the
    customer became inactive within var `complaint_followup_days` after the period; only periods with that
    much history after them count.
-#}
{%- set followup_days = var('complaint_followup_days') | int -%}

with periods as (

    select
        period_start,
        as_of_date,
        lag(as_of_date) over (order by period_start) as previous_as_of_date,
        max(as_of_date) over () as latest_as_of_date
    from {{ ref('int_history_periods') }}

),

active_periods as (

    select
        history.period_start,
        history.customer_id,
        history.as_of_date,
        periods.previous_as_of_date,
        periods.latest_as_of_date,
        history.next_inactive_date <= {{ dbt.dateadd('day', followup_days, 'history.as_of_date') }} as lapsed
    from {{ ref('int_customer_history_next') }} as history
    inner join periods on history.period_start = periods.period_start
    where
        history.level = 'active'
        and {{ dbt.dateadd('day', followup_days, 'history.as_of_date') }} <= periods.latest_as_of_date

),

period_complaints as (

    select
        active_periods.period_start,
        active_periods.customer_id,
        bool_or(
            {{ is_slow_complaint(
                'complaints.hours_to_resolve',
                dbt.datediff('complaints.opened_at', dbt.dateadd('day', 1, 'active_periods.latest_as_of_date'), 'second')
                ~ ' / 3600.0'
            ) }}
        ) as any_slow
    from active_periods
    inner join {{ ref('stg_complaints') }} as complaints
        on
            active_periods.customer_id = complaints.customer_id
            and active_periods.as_of_date >= complaints.opened_date
            and (
                active_periods.previous_as_of_date is null
                or active_periods.previous_as_of_date < complaints.opened_date
            )
    group by active_periods.period_start, active_periods.customer_id

),

observations as (

    select
        active_periods.customer_id,
        coalesce(active_periods.lapsed, false) as lapsed,
        case
            when period_complaints.customer_id is null then 'no complaint'
            when period_complaints.any_slow then 'slow or unresolved'
            else 'resolved fast'
        end as complaint_experience
    from active_periods
    left join period_complaints
        on
            active_periods.period_start = period_complaints.period_start
            and active_periods.customer_id = period_complaints.customer_id

),

experiences as (

    select
        'no complaint' as complaint_experience,
        1 as experience_order
    union all
    select
        'resolved fast' as complaint_experience,
        2 as experience_order
    union all
    select
        'slow or unresolved' as complaint_experience,
        3 as experience_order

),

grouped as (

    select
        complaint_experience,
        count(*) as observations,
        count(distinct customer_id) as customers,
        count(case when lapsed then 1 end) as lapsed
    from observations
    group by complaint_experience

)

select
    experiences.complaint_experience,
    cast(experiences.experience_order as integer) as experience_order,
    cast(coalesce(grouped.observations, 0) as bigint) as active_customer_periods,
    cast(coalesce(grouped.customers, 0) as bigint) as customers,
    cast(coalesce(grouped.lapsed, 0) as bigint) as lapsed,
    {{ safe_ratio('grouped.lapsed', 'grouped.observations', 4) }} as lapse_rate,
    cast({{ followup_days }} as integer) as followup_days,
    cast({{ var('slow_complaint_hours') | float }} as decimal(18, 2)) as slow_complaint_hours
from experiences
left join grouped on experiences.complaint_experience = grouped.complaint_experience
order by experiences.experience_order
