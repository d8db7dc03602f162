{#- Survey answers and complaints (int_window_complaints) per customer inside the activity window. -#}
with pyramid_parameters as (

    select * from {{ ref('int_pyramid_parameters') }}

),

feedback as (

    select
        stg_feedback.customer_id,
        count(*) as feedback_responses,
        {{ average('stg_feedback.score', 6) }} as avg_feedback_score
    from {{ ref('stg_feedback') }} as stg_feedback
    cross join pyramid_parameters
    where stg_feedback.response_date between pyramid_parameters.window_start_date and pyramid_parameters.as_of_date
    group by stg_feedback.customer_id

),

complaint_totals as (

    select
        customer_id,
        count(*) as complaints,
        count(case when hours_to_resolve is null then 1 end) as open_complaints,
        count(case when is_slow then 1 end) as slow_complaints,
        median(cast(hours_to_resolve as double)) as median_hours_to_resolve
    from {{ ref('int_window_complaints') }}
    group by customer_id

)

select
    coalesce(feedback.customer_id, complaint_totals.customer_id) as customer_id,
    coalesce(feedback.feedback_responses, 0) as feedback_responses,
    feedback.avg_feedback_score,
    coalesce(complaint_totals.complaints, 0) as complaints,
    coalesce(complaint_totals.open_complaints, 0) as open_complaints,
    coalesce(complaint_totals.slow_complaints, 0) as slow_complaints,
    complaint_totals.median_hours_to_resolve
from feedback
full outer join complaint_totals on feedback.customer_id = complaint_totals.customer_id
