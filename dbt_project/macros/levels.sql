{#- The pyramid's levels: who is at which level, their order, and the names of the moves between them. -#}

{% macro customer_pyramid_levels() -%}
    {#- The levels of known customers, top first: the tiers of the active customers, inactive, prospect. -#}
    {{ return(tier_names() + ['inactive', 'prospect']) }}
{%- endmacro %}

{% macro migration_from_levels() -%}
    {#- Where a move between periods starts: a known customer's level, or none (not yet known). -#}
    {{ return(customer_pyramid_levels() + ['none']) }}
{%- endmacro %}

{% macro pyramid_levels() -%}
    {#- Every level, top first: the known customers' levels, then the market's suspects and the rest. -#}
    {{ return(customer_pyramid_levels() + ['suspect', 'rest']) }}
{%- endmacro %}

{% macro is_tier(level) -%}
    {#- True when the level is one of the active tiers. -#}
    {{ level }} in ('{{ tier_names() | join("', '") }}')
{%- endmacro %}

{% macro customer_level(bought_in_window, bought_before, has_relationship='true') -%}
    {#- The level rule, the only place it is written: active (a purchase in the window), inactive (purchases
        before, none in it), prospect (a relationship, no purchase), suspect (only in the market list). -#}
    case
        when {{ bought_in_window }} then 'active'
        when {{ bought_before }} then 'inactive'
        when {{ has_relationship }} then 'prospect'
        else 'suspect'
    end
{%- endmacro %}

{% macro level_order(level) -%}
    {#- Position in the pyramid, top first; `none` (not yet known) last. -#}
    {%- set levels = pyramid_levels() -%}
    cast(case {{ level }}
        {%- for name in levels %} when '{{ name }}' then {{ loop.index }}{% endfor %}
        else {{ levels | length + 1 }}
    end as integer)
{%- endmacro %}

{% macro movement(from_level, to_level) -%}
    {#- The name a marketer gives a move between two periods (see README, "Reading migration"). -#}
    case
        when {{ is_tier(from_level) }} and {{ is_tier(to_level) }} then
            case
                when {{ level_order(to_level) }} < {{ level_order(from_level) }} then 'upgraded'
                when {{ level_order(to_level) }} > {{ level_order(from_level) }} then 'downgraded'
                else 'stayed'
            end
        when {{ is_tier(to_level) }} and {{ from_level }} = 'inactive' then 'reactivated'
        when {{ is_tier(to_level) }} then 'new'
        when {{ is_tier(from_level) }} and {{ to_level }} = 'inactive' then 'lapsed'
        when {{ from_level }} = {{ to_level }} then 'stayed'
        else 'joined'
    end
{%- endmacro %}
