{#- The order of the pyramid's levels, and the names of the moves between them. -#}

{% macro level_order(level) -%}
    {#- Position in the pyramid, top first; `none` (not yet known) last. -#}
    cast(case {{ level }}
        when 'top' then 1 when 'big' then 2 when 'medium' then 3 when 'small' then 4
        when 'inactive' then 5 when 'prospect' then 6 when 'suspect' then 7 when 'rest' then 8
        else 9
    end as integer)
{%- endmacro %}

{% macro movement(from_level, to_level) -%}
    {#- The name a marketer gives a move between two periods (see README, "Reading migration"). -#}
    {%- set tiers = "('top', 'big', 'medium', 'small')" -%}
    case
        when {{ from_level }} in {{ tiers }} and {{ to_level }} in {{ tiers }} then
            case
                when {{ level_order(to_level) }} < {{ level_order(from_level) }} then 'upgraded'
                when {{ level_order(to_level) }} > {{ level_order(from_level) }} then 'downgraded'
                else 'stayed'
            end
        when {{ to_level }} in {{ tiers }} and {{ from_level }} = 'inactive' then 'reactivated'
        when {{ to_level }} in {{ tiers }} then 'new'
        when {{ from_level }} in {{ tiers }} and {{ to_level }} = 'inactive' then 'lapsed'
        when {{ from_level }} = {{ to_level }} then 'stayed'
        else 'joined'
    end
{%- endmacro %}
