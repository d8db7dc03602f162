{#- How the actions' reasons (marts.customer_actions) are written, in the language of var report_language
    (the words: reason_words.sql), and which action comes first for a customer with several
    (marts.next_best_action). -#}

{% macro action_precedence() -%}
    {#- First the complaint (no offer lands on an unresolved one), then keeping a customer who is slipping,
        winning back one who just left, growing, and last welcoming. -#}
    {{ return(['resolve_complaint', 'retain', 'win_back', 'grow', 'welcome']) }}
{%- endmacro %}

{% macro reason_language() -%}
    {%- set language = var('report_language') -%}
    {%- if language not in reason_sentences() -%}
        {{ exceptions.raise_compiler_error("var report_language must be one of "
            ~ reason_sentences().keys() | join(", ") ~ "; got " ~ language) }}
    {%- endif -%}
    {{ return(language) }}
{%- endmacro %}

{% macro text_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro sentence(key, values) -%}
    {#- The sentence `key` of the language as SQL text: its {name}s filled with the SQL expressions in
        `values` (a name the language's sentence does not use is left out). -#}
    {%- set template = reason_sentences()[reason_language()][key] -%}
    {%- for part in template.split('{')[1:] -%}
        {%- if part.split('}')[0] not in values -%}
            {{ exceptions.raise_compiler_error("sentence " ~ key ~ " (" ~ reason_language() ~ ") needs {"
                ~ part.split('}')[0] ~ "}, which is not given") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set state = namespace(sql=text_literal(template)) -%}
    {%- for name, expression in values.items() -%}
        {%- set state.sql = state.sql | replace('{' ~ name ~ '}', "' || " ~ expression ~ " || '") -%}
    {%- endfor -%}
    ({{ state.sql }})
{%- endmacro %}

{% macro localized_number(number_text) -%}
    {#- 1,234.50 (or any digits: a date, a count) as the language writes it. -#}
    {%- set symbols = reason_number_symbols().get(reason_language()) -%}
    {%- if symbols -%}
        translate({{ number_text }}, {{ text_literal(symbols['from']) }}, {{ text_literal(symbols['to']) }})
    {%- else -%}
        {{ number_text }}
    {%- endif -%}
{%- endmacro %}

{% macro number_text(number) -%}
    {{ localized_number('cast(' ~ number ~ ' as ' ~ dbt.type_string() ~ ')') }}
{%- endmacro %}

{% macro date_text(day) -%}
    {#- A day as ISO 8601 (2025-10-08), in the language's digits. -#}
    {{ localized_number('cast(' ~ day ~ ' as ' ~ dbt.type_string() ~ ')') }}
{%- endmacro %}

{% macro money_text(amount) -%}
    {#- An amount as text: thousands separated, two decimals, with var currency when one is set: before the
        amount in English (EUR 262,376.62), after it in Polish and Arabic (262 376,62 EUR). -#}
    {%- set currency = var('currency') -%}
    {%- set grouped = localized_number(adapter.dispatch('grouped_decimal', 'customer_pyramid')(
        'cast(' ~ amount ~ ' as decimal(38, 2))')) -%}
    {%- if not currency -%}
        {{ grouped }}
    {%- elif reason_language() == 'en' -%}
        {{ text_literal(currency ~ ' ') }} || {{ grouped }}
    {%- else -%}
        {{ grouped }} || {{ text_literal(' ' ~ currency) }}
    {%- endif -%}
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
        when round(100 * {{ probability }}) < 1 then {{ sentence('under_1_percent', {}) }}
        when {{ probability }} < 1 and round(100 * {{ probability }}) > 99 then {{ sentence('over_99_percent', {}) }}
        else {{ sentence('percent', {'number': number_text('cast(round(100 * ' ~ probability ~ ') as bigint)')}) }}
    end
{%- endmacro %}

{% macro plural_category(number) -%}
    {#- The CLDR plural category of a whole number in the language (unicode.org/cldr, "Language Plural
        Rules"): en one/other; pl one/few/many; ar zero/one/two/few/many/other. -#}
    {%- set language = reason_language() -%}
    {%- if language == 'pl' -%}
        case
            when {{ number }} = 1 then 'one'
            when {{ number }} % 10 between 2 and 4 and {{ number }} % 100 not between 12 and 14 then 'few'
            else 'many'
        end
    {%- elif language == 'ar' -%}
        case
            when {{ number }} = 0 then 'zero'
            when {{ number }} = 1 then 'one'
            when {{ number }} = 2 then 'two'
            when {{ number }} % 100 between 3 and 10 then 'few'
            when {{ number }} % 100 between 11 and 99 then 'many'
            else 'other'
        end
    {%- else -%}
        case when {{ number }} = 1 then 'one' else 'other' end
    {%- endif -%}
{%- endmacro %}

{% macro count_text(number, noun) -%}
    {#- "1 day", "2 days"; "2 dni", "5 dni"; each noun in its form for the number's plural category. -#}
    {%- set forms = reason_nouns()[reason_language()][noun] -%}
    {%- set number = '(' ~ number ~ ')' -%}
    {{ number_text(number) }} || ' ' || case {{ plural_category(number) }}
        {%- for category, form in forms.items() %} when '{{ category }}' then {{ text_literal(form) }}{% endfor %}
    end
{%- endmacro %}

{% macro level_text(level) -%}
    {#- A level's name inside a reason; a level the language does not name keeps its own. -#}
    {%- set names = reason_level_names().get(reason_language(), {}) -%}
    {%- if names -%}
        coalesce(case {{ level }}
            {%- for code, name in names.items() %} when '{{ code }}' then {{ text_literal(name) }}{% endfor %}
        end, {{ level }})
    {%- else -%}
        {{ level }}
    {%- endif -%}
{%- endmacro %}
