select
    ranked.customer_id,
    ranked.tier,
    ranked.revenue,
    ranked.revenue_rank,
    ranked.revenue_percentile,
    ranked.cumulative_revenue_share,
    pyramid_parameters.as_of_date
from {{ ref('int_active_customers_ranked') }} as ranked
cross join {{ ref('int_pyramid_parameters') }} as pyramid_parameters
