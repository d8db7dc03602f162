{% macro is_slow_complaint(hours_to_resolve, hours_open) -%}
    {#- The slow-complaint rule, the only place it is written: a complaint is slow when it was resolved more than
        var `slow_complaint_hours` after it was opened, or, not resolved (hours_to_resolve null), has been open
        that long at the moment it is judged (hours_open). Exactly the limit is not slow. -#}
    coalesce({{ hours_to_resolve }}, {{ hours_open }}) > {{ var('slow_complaint_hours') | float }}
{%- endmacro %}
