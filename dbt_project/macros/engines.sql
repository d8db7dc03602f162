{#- What differs between the engines beyond single SQL expressions: how models are kept up to date, and where
    the raw tables come from. -#}

{% macro incremental_where_supported(unique_key, spark_partition=true) -%}
    {#-
        The config of a model that a daily run extends instead of rebuilding. DuckDB: incremental by
        `delete+insert` on unique_key. Spark: incremental by `insert_overwrite` of the table's partitions, one
        per value of unique_key (a day or a period: `spark_partition`), so a run rewrites only the partitions
        its rows fall in; Spark's Parquet tables have no delete or merge, so a model keyed by something finer
        (a customer) is a table, built whole. The pipeline drops an incremental table when it may not be
        extended (orchestration/build/history.py), and builds the local Spark session with --full-refresh.
    -#}
    {%- if target.type == 'duckdb' -%}
        {{ return({
            'materialized': 'incremental',
            'unique_key': unique_key,
            'incremental_strategy': 'delete+insert',
            'on_schema_change': 'fail',
        }) }}
    {%- elif target.type == 'spark' and spark_partition -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'insert_overwrite',
            'partition_by': [unique_key],
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

{% macro daily_sales_buckets() -%}
    {#-
        How many customer buckets int_customer_daily_sales aggregates the sales lines in, one after another: the
        lines it reads (every line, or the days from `changed_from_date` in a daily run) over var
        `daily_sales_bucket_lines`, rounded up. Per order, then per day, 100 million lines hold about 100 million
        groups at once, more than DuckDB keeps under a 2 GB limit (it failed; in 8 buckets it passed under 1 GB);
        a bucket holds a bucket's customers only. Spark spills its aggregates by partition itself: one bucket.
    -#}
    {%- if not execute or target.type != 'duckdb' -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set bucket_lines = var('daily_sales_bucket_lines') -%}
    {%- if (bucket_lines | string) != ((bucket_lines | int) | string) or (bucket_lines | int) < 1 -%}
        {{ exceptions.raise_compiler_error("var daily_sales_bucket_lines must be a whole number >= 1; got " ~ bucket_lines) }}
    {%- endif -%}
    {%- if load_relation(ref('stg_sales')) is none -%}
        {{ return(1) }}  {#- compiled before the first build (sqlfluff, docs): nothing to count -#}
    {%- endif -%}
    {%- set count_lines -%}
        select count(*) from {{ ref('stg_sales') }}
        {%- if is_incremental() %}
            where order_date >= (select changed_from_date from {{ source('raw', 'load_state') }})
        {%- endif %}
    {%- endset -%}
    {%- set lines = run_query(count_lines).columns[0].values()[0] | int -%}
    {{ return([1, (lines + (bucket_lines | int) - 1) // (bucket_lines | int)] | max) }}
{%- endmacro %}

{% macro customer_bucket(column, buckets) -%}
    {#- Which of `buckets` customer buckets a row falls in (0 to buckets - 1), by a hash of its customer. -#}
    {{ return(adapter.dispatch('customer_bucket', 'customer_pyramid')(column, buckets)) }}
{%- endmacro %}

{% macro default__customer_bucket(column, buckets) -%}
    pmod(hash({{ column }}), {{ buckets }})
{%- endmacro %}

{% macro duckdb__customer_bucket(column, buckets) -%}
    hash({{ column }}) % {{ buckets }}
{%- endmacro %}
