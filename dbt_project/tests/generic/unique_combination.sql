{#-
    No two rows share the same values in `columns`. Grouping by the columns themselves, not by a concatenated
    string: at 180 million history rows the string version is slower and needs far more memory.
-#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as rows_with_these_values
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
