{%- set raw = source('raw', 'feedback') -%}
{%- set types = raw_column_types(raw) -%}

with source as (

    select * from {{ raw }}

)

select
    cast(_row_number as bigint) as feedback_row_number,
    {{ raw_value(types, 'customer_id') }} as customer_id,
    {{ raw_value(types, 'response_date', 'date') }} as response_date,
    {{ raw_value(types, 'score', 'decimal(18, 3)') }} as score
from source
