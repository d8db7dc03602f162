{#-
    The Markov chains of the pyramid ahead (pyramid_forecast), their shares computed once: per chain, the share of
    each level's customers that moved to each level over the latest closed period pairs up to the chain's base
    period, and the newcomers per period (from_level `none`). A chain without a closed pair has no rows.
-#}
{%- set chains = forecast_chains() -%}

with level_counts as (

    select * from {{ ref('int_level_counts') }}

),

migration as (

    select * from {{ ref('tier_migration') }}

),

periods as (

    select distinct
        period_start,
        period_number,
        is_period_closed
    from level_counts

),

{% for chain, shape in chains.items() -%}
    {{ markov_pairs(chain, shape.base_offset) }},

{% endfor -%}
transitions as (

    {% for chain, shape in chains.items() -%}
        {{ markov_transitions(chain) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    chain,
    cast(pairs as integer) as pairs,
    from_level,
    to_level,
    cast(share as decimal(38, 6)) as share  -- noqa: RF04
from transitions
