{#-
    No two rows share the same values in `columns`. Grouping by the columns themselves, not by a concatenated
    string: at 180 million history rows the string version is slower and needs far more memory.

    `checked_from` ({column, var}) limits the test to the rows whose date `column` is on or after the date in
    var `var`: the rows a daily build wrote into an incremental table, when every row before was checked by the
    build that wrote it and the rows written share no group with them (`column` is part of `columns`, or
    depends on one). The pipeline sets the var (orchestration/build/history.py); null, as in a dbt run by hand
    or a full build, checks every row.
-#}
{% test unique_combination(model, columns, checked_from=none) %}
{%- set since = var(checked_from.var, none) if checked_from else none %}

select
    {{ columns | join(', ') }},
    count(*) as rows_with_these_values
from {{ model }}
{%- if since %}
where {{ checked_from.column }} >= cast('{{ since }}' as date)
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
