{#- Use the folder's schema (staging, intermediate, marts) as it is, so BI tools read `marts.customer_tiers`
    rather than dbt's default `main_marts.customer_tiers`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
