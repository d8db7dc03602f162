with source as (

    select * from {{ source('raw', 'sales') }}

)

select
    cast(_row_number as bigint) as sale_row_number,
    trim(customer_id) as customer_id,
    cast(cast(order_date as timestamp) as date) as order_date,
    cast(amount as decimal(18, 2)) as amount,
    nullif(trim(order_id), '') as order_id,
    cast(nullif(trim(quantity), '') as decimal(18, 3)) as quantity,
    nullif(trim(product_id), '') as product_id,
    nullif(trim(status), '') as status,
    cast(nullif(trim(cost), '') as decimal(18, 2)) as cost  -- noqa: RF04
from source
