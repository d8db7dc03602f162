{#- What differs between the engines beyond single SQL expressions: how models are kept up to date, and where
    the raw tables come from. -#}

{% macro incremental_where_supported(unique_key) -%}
    {#-
        The config of a model that a daily run extends instead of rebuilding. DuckDB: incremental by
        `delete+insert` on unique_key (the pipeline drops the table when it may not be extended). Spark offers
        delete+insert on no table format, and the pipeline builds every Spark run from scratch: a table.
    -#}
    {%- if target.type == 'duckdb' -%}
        {{ return({
            'materialized': 'incremental',
            'unique_key': unique_key,
            'incremental_strategy': 'delete+insert',
            'on_schema_change': 'fail',
        }) }}
    {%- else -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
{%- endmacro %}

{% macro register_raw_tables() -%}
    {#- on-run-start: make the loader's raw tables readable as source `raw` where the engine needs it. -#}
    {{ return(adapter.dispatch('register_raw_tables', 'customer_pyramid')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
    {#- DuckDB: the loader lands the raw tables in the build file itself. -#}
    select 1 as raw_tables_in_place
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {#-
        Spark: the pipeline exports each raw table as a Parquet folder under PYRAMID_SPARK_RAW_DIR, registered
        here as an external table of the source's schema. Without the variable (a cluster whose raw tables
        already exist) nothing is registered.
    -#}
    {%- set folder = env_var('PYRAMID_SPARK_RAW_DIR', '') -%}
    {%- if folder and execute -%}
        {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
            {%- if loop.first -%}
                {%- do run_query('create schema if not exists ' ~ source.schema) -%}
            {%- endif -%}
            {#- The session may outlive a build (one per process): a table of an earlier build is replaced. -#}
            {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- do run_query(
                'create table ' ~ source.schema ~ '.' ~ source.identifier
                ~ " using parquet location '" ~ (folder ~ '/' ~ source.identifier) | replace("\\", "\\\\") | replace("'", "\\'") ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as raw_tables_in_place
{%- endmacro %}
