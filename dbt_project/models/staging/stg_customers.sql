with source as (

    select * from {{ source('raw', 'customers') }}

)

select
    trim(customer_id) as customer_id,
    cast(cast(nullif(trim(signup_date), '') as timestamp) as date) as signup_date,
    nullif(trim(country), '') as country,
    nullif(trim(segment), '') as segment,
    nullif(trim(channel), '') as channel,
    cast(nullif(trim(estimated_annual_wallet), '') as decimal(18, 2)) as estimated_annual_wallet
from source
