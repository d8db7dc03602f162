{%- set raw = source('raw', 'complaints') -%}
{%- set types = raw_column_types(raw) -%}

with source as (

    select
        coalesce(
            {{ raw_value(types, 'complaint_id') }}, 'row ' || cast(_row_number as {{ dbt.type_string() }})
        ) as complaint_key,
        {{ raw_value(types, 'customer_id') }} as customer_id,
        {{ raw_value(types, 'opened_at', 'timestamp') }} as opened_at,
        {{ raw_value(types, 'resolved_at', 'timestamp') }} as resolved_at
    from {{ raw }}

)

select
    complaint_key,
    customer_id,
    opened_at,
    resolved_at,
    cast(opened_at as date) as opened_date,
    {{ safe_ratio(dbt.datediff('opened_at', 'resolved_at', 'second'), 3600, 2) }} as hours_to_resolve
from source
