with source as (

    select * from {{ source('raw', 'market') }}

)

select
    trim(customer_id) as customer_id,
    nullif(trim(country), '') as country,
    nullif(trim(segment), '') as segment
from source
