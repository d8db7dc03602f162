{%- set raw = source('raw', 'sales') -%}
{%- set types = raw_column_types(raw) -%}

with source as (

    select * from {{ raw }}

)

select
    cast(_row_number as bigint) as sale_row_number,
    {{ raw_value(types, 'customer_id') }} as customer_id,
    {{ raw_value(types, 'order_date', 'date') }} as order_date,
    {{ raw_value(types, 'amount', 'decimal(18, 2)') }} as amount,
    {{ raw_value(types, 'order_id') }} as order_id,
    {{ raw_value(types, 'quantity', 'decimal(18, 3)') }} as quantity,
    {{ raw_value(types, 'product_id') }} as product_id,
    {{ raw_value(types, 'status') }} as status,
    {{ raw_value(types, 'cost', 'decimal(18, 2)') }} as cost  -- noqa: RF04
from source
