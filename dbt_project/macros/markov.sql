{#- The pyramid ahead as a Markov chain over the levels of the tier history (model pyramid_forecast). -#}

{% macro markov_chain(prefix, base_offset, steps) -%}
    {#-
        CTEs `<prefix>_step_0` … `<prefix>_step_<steps>`: expected customers per level, starting from the
        standing in the period `base_offset` periods before the latest (0: the latest, the as-of date) and moved
        one period per step. A step moves each level's customers by the transition shares of the
        `forecast_transition_periods` latest closed period pairs up to the base period (tier_migration: the
        customers who moved from i to j over those who were at i, six decimals) and adds the newcomers (from `none`), on
        average per pair. Every product is rounded to six decimals, the same digits on DuckDB and Spark.
        Needs CTEs `levels` (level), `periods` (period_start, period_number, is_period_closed),
        `level_counts` (period_start, level, customers) and `migration` in the same query.
    -#}
    {%- set pairs = var('forecast_transition_periods') | int -%}
    {%- if pairs < 1 -%}
        {{ exceptions.raise_compiler_error("var forecast_transition_periods must be at least 1; got " ~ pairs) }}
    {%- endif -%}
{{ prefix }}_base as (

    select max(period_number) - {{ base_offset }} as period_number from periods

),

{{ prefix }}_pairs as (

    select periods.period_start
    from periods
    cross join {{ prefix }}_base as base
    where
        periods.is_period_closed
        and periods.period_number <= base.period_number
        and periods.period_number > base.period_number - {{ pairs }}
        and periods.period_number > 1

),

{{ prefix }}_moves as (

    select
        migration.from_level,
        migration.to_level,
        sum(migration.customers) as customers
    from migration
    inner join {{ prefix }}_pairs as pairs on migration.period_start = pairs.period_start
    group by migration.from_level, migration.to_level

),

{{ prefix }}_transitions as (

    select
        moves.from_level,
        moves.to_level,
        {{ safe_ratio('moves.customers', 'totals.customers', 6, 38) }} as probability
    from {{ prefix }}_moves as moves
    inner join (
        select
            from_level,
            sum(customers) as customers
        from {{ prefix }}_moves
        group by from_level
    ) as totals on moves.from_level = totals.from_level
    where moves.from_level != 'none'

),

{{ prefix }}_inflow as (

    select
        moves.to_level as level,
        {{ safe_ratio('moves.customers', '(select count(*) from ' ~ prefix ~ '_pairs)', 6, 38) }} as customers
    from {{ prefix }}_moves as moves
    where moves.from_level = 'none'

),

{{ prefix }}_step_0 as (

    select
        levels.level,
        cast(coalesce(level_counts.customers, 0) as decimal(38, 6)) as customers
    from levels
    cross join {{ prefix }}_base as base
    inner join periods on base.period_number = periods.period_number
    left join level_counts
        on periods.period_start = level_counts.period_start and levels.level = level_counts.level

)
    {%- for step in range(1, steps + 1) %},

{{ prefix }}_step_{{ step }} as (

    select
        levels.level,
        cast(coalesce(moved.customers, 0) + coalesce(inflow.customers, 0) as decimal(38, 6)) as customers
    from levels
    left join (
        select
            transitions.to_level as level,
            sum(round(previous.customers * transitions.probability, 6)) as customers
        from {{ prefix }}_step_{{ step - 1 }} as previous
        inner join {{ prefix }}_transitions as transitions on previous.level = transitions.from_level
        group by transitions.to_level
    ) as moved on levels.level = moved.level
    left join {{ prefix }}_inflow as inflow on levels.level = inflow.level

)
    {%- endfor %}
{%- endmacro %}
