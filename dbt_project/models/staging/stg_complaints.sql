with source as (

    select
        coalesce(nullif(trim(complaint_id), ''), 'row ' || cast(_row_number as varchar)) as complaint_key,
        trim(customer_id) as customer_id,
        cast(trim(opened_at) as timestamp) as opened_at,
        cast(nullif(trim(resolved_at), '') as timestamp) as resolved_at
    from {{ source('raw', 'complaints') }}

)

select
    complaint_key,
    customer_id,
    opened_at,
    resolved_at,
    cast(opened_at as date) as opened_date,
    cast({{ dbt.datediff('opened_at', 'resolved_at', 'second') }} / 3600.0 as decimal(18, 2)) as hours_to_resolve  -- noqa: LT05
from source
