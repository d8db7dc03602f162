{#-
    Raw tables keep typed Parquet columns typed and land CSV columns as text (see orchestration/land/loading.py).
    `raw_column_types(source(...))` reads the landed types once per model at compile time; `raw_value` casts a
    column to its staging type from either: text is trimmed and empty text is null, typed values are cast
    directly (no text round trip).
-#}

{% macro raw_column_types(relation) -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {#- is_string(): dbt-duckdb reports text as `character varying(256)`, Spark as `string` -#}
            {%- do types.update({column.name | lower: 'text' if column.is_string() else column.data_type | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(types) -}}
{%- endmacro %}

{% macro raw_value(types, column, sql_type=none) -%}
    {%- set landed = types.get(column, 'varchar') -%}
    {%- set is_text = landed == 'text' -%}
    {%- set value = "nullif(trim(" ~ column ~ "), '')" if is_text else column -%}
    {%- if sql_type is none -%}
        {{ value if is_text else 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')' }}
    {%- elif sql_type == 'date' and is_text -%}
        cast(cast({{ value }} as timestamp) as date)
    {%- else -%}
        cast({{ value }} as {{ sql_type }})
    {%- endif -%}
{%- endmacro %}
