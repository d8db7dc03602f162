{#- The outlook's rules: its horizon, "likely to buy", and the backtest limits its quality is held to. -#}

{% macro outlook_days() -%}
    {#- The outlook's horizon in days: var outlook_days, or the activity window when it is null. -#}
    {%- set days = var('outlook_days') if var('outlook_days') is not none else var('window_days') -%}
    {%- if (days | int) < 1 or (days | string) != ((days | int) | string) -%}
        {{ exceptions.raise_compiler_error("var outlook_days must be a whole number of days >= 1; got " ~ days) }}
    {%- endif -%}
    {{- days | int -}}
{%- endmacro %}

{% macro likely_to_buy(p_buys) -%}
    {#- The outlook's "likely to buy in the horizon": at least an even chance. Read by the predicted level
        (customer_outlook) and the grow action (customer_actions). -#}
    {{ p_buys }} >= 0.5
{%- endmacro %}

{% macro outlook_backtest_limits() -%}
    {#- var outlook_backtest_limits, checked: numbers, the AUC and capture at most 1, the errors at least 0. -#}
    {%- set limits = var('outlook_backtest_limits') -%}
    {%- set names = ['min_auc', 'min_top_decile_capture', 'max_revenue_error_percent', 'max_buyers_error_percent'] -%}
    {%- set result = {} -%}
    {%- for name in names -%}
        {%- set value = (limits[name] if limits is mapping and name in limits else none) | string | trim -%}
        {%- if not modules.re.fullmatch('[0-9]+([.][0-9]+)?', value)
            or (name.startswith('min_') and (value | float) > 1) -%}
            {{ exceptions.raise_compiler_error("var outlook_backtest_limits." ~ name
                ~ " must be a number >= 0" ~ (" and <= 1" if name.startswith('min_') else "") ~ "; got " ~ value) }}
        {%- endif -%}
        {%- do result.update({name: value}) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}

{% macro outlook_quality_warnings(auc, top_decile_capture, revenue_error_percent, buyers_error_percent) -%}
    {#- What the backtest misses of var outlook_backtest_limits, in words (null when it meets them all, or a
        figure is unknown). A model's quality warns, it never stops the pyramid: the GX suite outlook_backtest
        warns on the same limits, and the action lists that use the outlook carry this text. -#}
    {%- set limits = outlook_backtest_limits() -%}
    {%- set text = dbt.type_string() -%}
    nullif(concat_ws('; ',
        case when {{ auc }} < {{ limits.min_auc }}
            then 'AUC ' || cast({{ auc }} as {{ text }}) || ' (at least {{ limits.min_auc }})' end,
        case when {{ top_decile_capture }} < {{ limits.min_top_decile_capture }}
            then 'top-decile capture ' || cast({{ top_decile_capture }} as {{ text }})
                || ' (at least {{ limits.min_top_decile_capture }})' end,
        case when abs({{ revenue_error_percent }}) > {{ limits.max_revenue_error_percent }}
            then 'revenue off by ' || cast({{ revenue_error_percent }} as {{ text }})
                || ' % (at most ±{{ limits.max_revenue_error_percent }} %)' end,
        case when abs({{ buyers_error_percent }}) > {{ limits.max_buyers_error_percent }}
            then 'buyers off by ' || cast({{ buyers_error_percent }} as {{ text }})
                || ' % (at most ±{{ limits.max_buyers_error_percent }} %)' end
    ), '')
{%- endmacro %}

{% macro check_stored_outlook_sums(window_days, horizon) -%}
    {#- Built by hand (dbt build), int_outlook_customer_sums stops rather than extend sums of another window,
        horizon or a later as-of date (the pipeline drops the table first: orchestration/build/history.py). -#}
    {%- if execute and is_incremental() -%}
        {%- set stored = run_query(
            "select min(window_days), max(window_days), min(horizon_days), max(horizon_days), max(as_of_date)"
            ~ " from " ~ this
        ).rows[0] -%}
        {%- set as_of = run_query("select as_of_date from " ~ ref('int_pyramid_parameters')).rows[0][0] -%}
        {%- if stored[0] is not none and (
            stored[0] != window_days or stored[1] != window_days or stored[2] != horizon or stored[3] != horizon
        ) -%}
            {{ exceptions.raise_compiler_error(
                this ~ " holds sums for a " ~ stored[0] ~ "-day window and a " ~ stored[2] ~ "-day horizon, not "
                ~ window_days ~ " and " ~ horizon ~ ": build it with --full-refresh"
            ) }}
        {%- endif -%}
        {%- if stored[4] is not none and as_of is not none and stored[4] > as_of -%}
            {{ exceptions.raise_compiler_error(
                this ~ " holds sums as of " ~ stored[4] ~ ", after the as-of date " ~ as_of
                ~ ": build it with --full-refresh"
            ) }}
        {%- endif -%}
    {%- endif %}
{%- endmacro %}

{% macro outlook_methods() -%}
    {#- What may make a customer's outlook (int_outlook_predictions.method): each candidate pair of a purchase
        model and a spend model, as orchestration/outlook/candidates.py fits and names them (METHODS: a pure
        test holds the two equal), then the rules without a model. -#}
    {%- set methods = [] -%}
    {%- for purchase_model in ['bg_nbd', 'mbg_nbd', 'pareto_nbd'] -%}
        {%- for spend_model in ['gamma_gamma', 'gamma_gamma_by_frequency'] -%}
            {%- do methods.append(purchase_model ~ '_' ~ spend_model) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(methods + ['own_rate', 'prospect_cohort', 'no_history']) }}
{%- endmacro %}
