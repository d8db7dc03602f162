{%- set raw = source('raw', 'customers') -%}
{%- set types = raw_column_types(raw) -%}

with source as (

    select * from {{ raw }}

)

select
    {{ raw_value(types, 'customer_id') }} as customer_id,
    {{ raw_value(types, 'signup_date', 'date') }} as signup_date,
    {{ raw_value(types, 'country') }} as country,
    {{ raw_value(types, 'segment') }} as segment,
    {{ raw_value(types, 'channel') }} as channel,
    {{ raw_value(types, 'estimated_annual_wallet', 'decimal(18, 2)') }} as estimated_annual_wallet,
    {#- The list's own columns (email, phone, ...) are landed apart (raw.customer_contacts); the landing says
        whether any is filled in, or null when the list has none (and in lists landed before it said so). #}
    {{ '_has_contact' if '_has_contact' in types else 'cast(null as boolean)' }} as has_contact
from source
