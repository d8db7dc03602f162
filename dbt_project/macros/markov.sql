{#- The pyramid ahead as a Markov chain over the levels of the tier history (models int_forecast_transitions and
    pyramid_forecast). The chains' inputs are computed once into a small table, so the steps, unrolled one CTE
    each, read only that table: inlined by Spark into every step, the history and migration it came from were
    planned and scanned dozens of times (70 s of a Spark build of the demo). -#}

{% macro forecast_chains() -%}
    {#- name → periods before the latest the chain starts from, and its steps (var forecast_horizon_periods);
        both forecast vars are checked here, where every model of the forecast compiles. -#}
    {%- set horizon = var('forecast_horizon_periods') | int -%}
    {%- if horizon < 1 -%}
        {{ exceptions.raise_compiler_error("var forecast_horizon_periods must be at least 1; got " ~ horizon) }}
    {%- endif -%}
    {%- set pairs = var('forecast_transition_periods') | int -%}
    {%- if pairs < 1 -%}
        {{ exceptions.raise_compiler_error("var forecast_transition_periods must be at least 1; got " ~ pairs) }}
    {%- endif -%}
    {{ return({
        'forecast': {'base_offset': 0, 'steps': horizon},
        'backtest_next': {'base_offset': 1, 'steps': 1},
        'backtest_horizon': {'base_offset': horizon, 'steps': horizon},
    }) }}
{%- endmacro %}

{% macro markov_transitions(chain) -%}
    {#-
        One select of the chain's moves: each level's share moving to each level over the chain's period pairs
        (tier_migration: the customers who moved from i to j over those who were at i, six
        decimals), and the newcomers (from `none`) on average per pair. Needs CTEs `<chain>_pairs`
        (macro markov_pairs) and `migration` in the same query.
    -#}
    select
        '{{ chain }}' as chain,
        chain_pairs.pairs,
        moves.from_level,
        moves.to_level,
        case
            when moves.from_level = 'none' then {{ safe_ratio('moves.customers', 'chain_pairs.pairs', 6, 38) }}
            else {{ safe_ratio('moves.customers', 'moves.from_customers', 6, 38) }}
        end as share
    from (
        select
            from_level,
            to_level,
            customers,
            sum(customers) over (partition by from_level) as from_customers
        from (
            select
                migration.from_level,
                migration.to_level,
                sum(migration.customers) as customers
            from migration
            inner join {{ chain }}_pairs as pairs on migration.period_start = pairs.period_start
            group by migration.from_level, migration.to_level
        ) as pair_moves
    ) as moves
    cross join (select count(*) as pairs from {{ chain }}_pairs) as chain_pairs
{%- endmacro %}

{% macro markov_pairs(chain, base_offset) -%}
    {#- CTE `<chain>_pairs`: the later periods of the `forecast_transition_periods` latest closed period pairs up
        to the period `base_offset` periods before the latest. Needs CTE `periods` (period_start, period_number,
        is_period_closed). -#}
    {%- set pairs = var('forecast_transition_periods') | int -%}
{{ chain }}_pairs as (

    select periods.period_start
    from periods
    where
        periods.is_period_closed
        and periods.period_number <= (select max(latest.period_number) from periods as latest) - {{ base_offset }}
        and periods.period_number > (select max(latest.period_number) from periods as latest) - {{ base_offset + pairs }}
        and periods.period_number > 1

)
{%- endmacro %}

{% macro markov_steps(chain, base_offset, steps) -%}
    {#-
        CTEs `<chain>_step_0` … `<chain>_step_<steps>`: expected customers per level, starting from the standing
        in the period `base_offset` periods before the latest (0: the latest, the as-of date), moved one period per
        step by the chain's shares (int_forecast_transitions) plus its newcomers per period. Every product is
        rounded to six decimals, the same digits on DuckDB and Spark. Needs CTEs `levels` (level),
        `level_counts` (period_number, level, customers) and `transitions` in the same query.
    -#}
{{ chain }}_step_0 as (

    select
        levels.level,
        cast(coalesce(level_counts.customers, 0) as decimal(38, 6)) as customers
    from levels
    left join level_counts
        on
            levels.level = level_counts.level
            and level_counts.period_number
            = (select max(latest.period_number) from level_counts as latest) - {{ base_offset }}

)
    {%- for step in range(1, steps + 1) %},

{{ chain }}_step_{{ step }} as (

    select
        levels.level,
        cast(coalesce(moved.customers, 0) + coalesce(inflow.share, 0) as decimal(38, 6)) as customers
    from levels
    left join (
        select
            transitions.to_level as level,
            sum(round(previous.customers * transitions.share, 6)) as customers
        from {{ chain }}_step_{{ step - 1 }} as previous
        inner join transitions
            on previous.level = transitions.from_level and transitions.chain = '{{ chain }}'
        group by transitions.to_level
    ) as moved on levels.level = moved.level
    left join transitions as inflow
        on levels.level = inflow.to_level and inflow.chain = '{{ chain }}' and inflow.from_level = 'none'

)
    {%- endfor %}
{%- endmacro %}
