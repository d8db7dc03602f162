{%- set raw = source('raw', 'market') -%}
{%- set types = raw_column_types(raw) -%}

with source as (

    select * from {{ raw }}

)

select
    {{ raw_value(types, 'customer_id') }} as customer_id,
    {{ raw_value(types, 'country') }} as country,
    {{ raw_value(types, 'segment') }} as segment
from source
