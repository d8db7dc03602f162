{#- How the actions' reasons (marts.customer_actions) write their figures, and which action comes first for a
    customer with several (marts.next_best_action). -#}

{% macro action_precedence() -%}
    {#- First the complaint (no offer lands on an unresolved one), then keeping a customer who is slipping,
        winning back one who just left, growing, and last welcoming. -#}
    {{ return(['resolve_complaint', 'retain', 'win_back', 'grow', 'welcome']) }}
{%- endmacro %}

{% macro money_text(amount) -%}
    {#- An amount as text: thousands separated, two decimals, after var currency when one is set
        (EUR 262,376.62). -#}
    {%- set currency = var('currency') -%}
    {%- if currency -%}'{{ currency | replace("'", "''") }} ' || {% endif -%}
    {{ adapter.dispatch('grouped_decimal', 'customer_pyramid')('cast(' ~ amount ~ ' as decimal(38, 2))') }}
{%- endmacro %}

{% macro default__grouped_decimal(amount) -%}
    {#- DuckDB: from the digits themselves, exact for every DECIMAL(38, 2) (no round trip through a double). -#}
    (case when {{ amount }} < 0 then '-' else '' end
    || format('{:,}', cast(floor(abs({{ amount }})) as hugeint))
    || '.' || lpad(cast(cast(abs({{ amount }}) * 100 as hugeint) % 100 as varchar), 2, '0'))
{%- endmacro %}

{% macro spark__grouped_decimal(amount) -%}
    format_number({{ amount }}, 2)
{%- endmacro %}

{% macro chance_text(probability) -%}
    {#- A probability in whole percent, never "0 %" (the outlook's 0.0000 is a chance too small to keep four
        decimals of) or "100 %" for one below 1. -#}
    case
        when round(100 * {{ probability }}) < 1 then 'under 1 %'
        when {{ probability }} < 1 and round(100 * {{ probability }}) > 99 then 'over 99 %'
        else cast(cast(round(100 * {{ probability }}) as bigint) as {{ dbt.type_string() }}) || ' %'
    end
{%- endmacro %}

{% macro counted(number, one, many) -%}
    {#- "1 complaint", "2 complaints". -#}
    cast({{ number }} as {{ dbt.type_string() }}) || case when {{ number }} = 1 then ' {{ one }}' else ' {{ many }}' end
{%- endmacro %}
