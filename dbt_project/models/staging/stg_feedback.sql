with source as (

    select * from {{ source('raw', 'feedback') }}

)

select
    cast(_row_number as bigint) as feedback_row_number,
    trim(customer_id) as customer_id,
    cast(cast(trim(response_date) as timestamp) as date) as response_date,
    cast(trim(score) as decimal(18, 3)) as score
from source
