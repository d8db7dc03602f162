-- Each tier holds exactly the ranks between its boundaries: a row here is a tier whose count is off.
-- Independent of the macro tier_boundary (which builds the tiers): the shares are read from var tier_shares
-- here as whole millionths of a percent, and round-half-up(N x share / 100) = B is checked without division
-- or rounding, as B x 10^8 <= N x millionths + 5 x 10^7 < (B + 1) x 10^8.
{%- set shares = var('tier_shares') %}
{%- set cumulative = namespace(millionths=0, names=[]) %}
{%- set bounds = [] %}
{%- for name in ['top', 'big', 'medium'] %}
    {%- set cumulative.millionths = cumulative.millionths + ((shares[name] | string | float) * 1000000) | round | int %}
    {%- set cumulative.names = cumulative.names + [name] %}
    {%- do bounds.append((cumulative.names | list, cumulative.millionths)) %}
{%- endfor %}

with active as (

    select count(*) as active_customers
    from {{ ref('customer_activity') }}
    where is_active

),

counted as (

    select
        {%- for names, millionths in bounds %}
            {%- set tiers = "'" ~ names | join("', '") ~ "'" %}
            cast(count(case when tier in ({{ tiers }}) then 1 end) as bigint) as through_{{ names[-1] }},
        {%- endfor %}
        cast(count(*) as bigint) as ranked
    from {{ ref('customer_tiers') }}

),

checked as (

    {%- for names, millionths in bounds %}
        select
            '{{ names[-1] }}' as tier,
            counted.through_{{ names[-1] }} as customers_through_tier,
            active.active_customers
        from counted
        cross join active
        where
            counted.through_{{ names[-1] }} * 100000000 > active.active_customers * {{ millionths }} + 50000000
            or active.active_customers * {{ millionths }} + 50000000
            >= (counted.through_{{ names[-1] }} + 1) * 100000000
        union all
    {%- endfor %}
    select
        'small' as tier,
        counted.ranked as customers_through_tier,
        active.active_customers
    from counted
    cross join active
    where counted.ranked != active.active_customers

)

select * from checked
