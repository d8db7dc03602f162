{#-
    Complaints opened inside the activity window, as known at the as-of date: a resolution after it is not
    known yet. A complaint is slow (macro is_slow_complaint) when it was resolved more than var
    `slow_complaint_hours` after it was opened, or was still open that long at the end of the as-of date.
-#}
with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

complaints as (

    select
        stg_complaints.complaint_key,
        stg_complaints.customer_id,
        stg_complaints.opened_at,
        case
            when cast(stg_complaints.resolved_at as date) <= pyramid_parameters.as_of_date
                then stg_complaints.hours_to_resolve
        end as hours_to_resolve,
        {{ dbt.datediff('stg_complaints.opened_at', dbt.dateadd('day', 1, 'pyramid_parameters.as_of_date'), 'second') }}
        / 3600.0 as hours_open_at_end_of_as_of_date
    from {{ ref('stg_complaints') }} as stg_complaints
    cross join pyramid_parameters
    where stg_complaints.opened_date between pyramid_parameters.window_start_date and pyramid_parameters.as_of_date

)

select
    complaint_key,
    customer_id,
    opened_at,
    hours_to_resolve,
    {{ is_slow_complaint('hours_to_resolve', 'hours_open_at_end_of_as_of_date') }} as is_slow
from complaints
