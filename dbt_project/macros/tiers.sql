{#-
    The tier boundary rule: the only place it is written.

    With N active customers ranked by window revenue (1 = highest) and cumulative shares
    top = 1 %, top + big = 5 %, top + big + medium = 20 % (from var `tier_shares`), a customer's tier is
    top if rank <= b(1 %), big if rank <= b(5 %), medium if rank <= b(20 %), else small, where
    b(s) = round-half-up(N * s / 100), computed in DECIMAL arithmetic so that 1000 * 5 % is exactly 50.
-#}

{% macro tier_names() -%}
    {#- The active tiers, highest first: the names of var `tier_shares`, in its order (the pipeline passes
        orchestration/core/settings.py TIER_NAMES with the shares; dbt_project.yml holds the same for dbt by hand). -#}
    {{ return(var('tier_shares').keys() | list) }}
{%- endmacro %}

{% macro tier_shares() -%}
    {#- The configured shares as strings (exact decimal literals), validated to be a full split of 100 %. -#}
    {%- set shares = var('tier_shares') -%}
    {%- set names = tier_names() -%}
    {%- if shares is not mapping or names | length != 4 -%}
        {{ exceptions.raise_compiler_error(
            "var tier_shares must map four tier names, highest first, to percentages; got " ~ shares) }}
    {%- endif -%}
    {%- set total = namespace(value=0) -%}
    {%- for name in names -%}
        {%- set share = shares[name] | string | trim -%}
        {%- if not modules.re.fullmatch('[0-9]+([.][0-9]+)?', share) -%}
            {{ exceptions.raise_compiler_error("tier share for " ~ name ~ " must be a non-negative number; got " ~ share) }}
        {%- endif -%}
        {%- set total.value = total.value + (share | float) -%}
    {%- endfor -%}
    {%- if (total.value - 100) | abs > 0.000001 -%}
        {{ exceptions.raise_compiler_error("tier shares must sum to 100; got " ~ shares ~ " (sum " ~ total.value ~ ")") }}
    {%- endif -%}
    {%- set result = {} -%}
    {%- for name in names -%}
        {%- do result.update({name: shares[name] | string | trim}) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}

{% macro share_literal(share) -%}
    cast('{{ share }}' as decimal(9, 4))
{%- endmacro %}

{% macro tier_boundary(n_customers, cumulative_share_sql) -%}
    {#- round-half-up(N * share / 100) in exact decimal arithmetic; N and the share are never negative. -#}
    cast(floor(cast({{ n_customers }} as decimal(18, 0)) * ({{ cumulative_share_sql }}) * 0.01 + 0.5) as bigint)
{%- endmacro %}

{% macro tier_boundaries(n_customers) -%}
    {#- Returns {tier: SQL expression of the last rank in that tier} for every tier but the lowest. -#}
    {%- set shares = tier_shares() -%}
    {%- set cumulative = [] -%}
    {%- set result = {} -%}
    {%- for name in tier_names()[:-1] -%}
        {%- do cumulative.append(share_literal(shares[name])) -%}
        {%- do result.update({name: tier_boundary(n_customers, cumulative | join(' + '))}) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}

{% macro rank_by_revenue(revenue, customer_id='customer_id') -%}
    {#- The order tier_for_rank cuts: revenue highest first, ties by customer_id ascending (1 = highest). -#}
    row_number() over (order by {{ revenue }} desc, {{ customer_id }} asc)
{%- endmacro %}

{% macro tier_for_rank(revenue_rank, n_customers) -%}
    {%- set boundaries = tier_boundaries(n_customers) -%}
    {%- set names = tier_names() -%}
    case
        {%- for name in names[:-1] %}
        when {{ revenue_rank }} <= {{ boundaries[name] }} then '{{ name }}'
        {%- endfor %}
        else '{{ names[-1] }}'
    end
{%- endmacro %}
