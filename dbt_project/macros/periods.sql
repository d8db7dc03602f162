{#- The periods of the tier history (var `history_period`), and the series of their first days. -#}

{% macro history_period() -%}
    {%- set period = var('history_period') | string | trim | lower -%}
    {%- if period not in ['week', 'month', 'quarter'] -%}
        {{ exceptions.raise_compiler_error("var history_period must be week, month or quarter; got " ~ period) }}
    {%- endif -%}
    {{ return(period) }}
{%- endmacro %}

{% macro period_starts(first_start, last_start, period) -%}
    {#- A one-column query (`period_start`, a date) of the first days from first_start to last_start. -#}
    {{ return(adapter.dispatch('period_starts', 'customer_pyramid')(first_start, last_start, period)) }}
{%- endmacro %}

{% macro default__period_starts(first_start, last_start, period) -%}
    select cast(unnest(generate_series(
        cast({{ first_start }} as timestamp), cast({{ last_start }} as timestamp), interval '1 {{ period }}'
    )) as date) as period_start
{%- endmacro %}

{% macro spark__period_starts(first_start, last_start, period) -%}
    select explode(sequence(
        cast({{ first_start }} as date), cast({{ last_start }} as date), interval 1 {{ period }}
    )) as period_start
{%- endmacro %}

{% macro recomputed_periods(period_start, period_end) -%}
    {#-
        In an incremental model over the tier history: the periods a run recomputes. The last period the model
        stored (it may have been the running one), every later one, and every period ending on or after the
        earliest day of newly appended sales lines (a late correction; raw.load_state).
    -#}
    {{ period_start }} >= (
        select coalesce(max(stored.period_start), cast('0001-01-01' as date)) from {{ this }} as stored
    )
    or {{ period_end }} >= (
        select load_state.changed_from_date from {{ source('raw', 'load_state') }} as load_state
    )
{%- endmacro %}
