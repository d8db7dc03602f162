"""The DataFrames the suites validate, read from a DuckDB file over a read-only connection closed at once.

GX validates pandas DataFrames rather than DuckDB through SQLAlchemy: GX 1.24's SQL data source over
duckdb-engine fails every expectation (`MetricResolutionError: list index out of range`, GX issues 10738 and
11579), and its connection pool would keep the file locked. Money is read as integer cents so sums are exact.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from orchestration.paths import MARTS_SCHEMA, RAW_SCHEMA

QUERIES = {
    "raw_sales": f"""
        select
            customer_id,
            order_date,
            amount,
            order_id,
            quantity,
            product_id,
            status,
            strftime(cast(try_cast(trim(order_date) as timestamp) as date), '%Y-%m-%d') as order_day,
            try_cast(trim(amount) as decimal(18, 2)) as amount_number,
            order_id is not null and not coalesce(
                (select keep_duplicates from {RAW_SCHEMA}.build_settings), false
            ) as checks_duplicates
        from {RAW_SCHEMA}.sales
        order by _row_number
    """,
    "customer_tiers": f"""
        select
            customer_id,
            tier,
            cast(revenue * 100 as bigint) as revenue_cents,
            revenue_rank,
            case tier when 'top' then 1 when 'big' then 2 when 'medium' then 3 when 'small' then 4 end
                as tier_order
        from {MARTS_SCHEMA}.customer_tiers
        order by revenue_rank, customer_id
    """,
    "pyramid_summary": f"""
        select
            level,
            level_order,
            customers,
            cast(revenue * 100 as bigint) as revenue_cents,
            level in ('top', 'big', 'medium', 'small') as is_tier
        from {MARTS_SCHEMA}.pyramid_summary
        order by level_order
    """,
    "customers": f"select customer_id, level, tier from {MARTS_SCHEMA}.customers",
    "marts_schema": f"""
        select table_name, column_name || ' ' || data_type as column_signature
        from information_schema.columns
        where table_schema = '{MARTS_SCHEMA}'
        order by table_name, ordinal_position
    """,
}


def read_batch(duckdb_path: Path, asset: str) -> pd.DataFrame:
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        frame = con.execute(QUERIES[asset]).df()
    return frame
