"""Large synthetic inputs, generated inside DuckDB and written as Parquet (millions of lines a second).

The shape follows the demo generator (orchestration/generate/demo.py): a Pareto spend level per customer (a
few customers bring much of the revenue), purchase frequency rising with spend, customers who start at
different times and stop after an exponential lifetime (so many become inactive), 2.5 % refunds, sign-ups who
never buy (prospects) and a market list twice the size of the customer base. A customer's lines fall on the
days it buys, spread evenly over its lifetime cut at the data's last day, and their number follows those days,
so every day of the span holds a like share of the lines (no day collects the lines of lifetimes that would
run past the end). Every random number is a hash of (seed, row, draw), so the same seed gives the same data on
any machine and any number of threads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.core.raw_sql import sql_string

FIRST_DAY = dt.date(2023, 11, 1)
LAST_DAY = dt.date(2026, 10, 31)
LINES_PER_CUSTOMER = 20


@dataclass(frozen=True)
class GeneratedFiles:
    sales: Path
    customers: Path
    market: Path
    sales_rows: int
    customers_count: int


def _uniform(key: str, draw: int, seed: int) -> str:
    """A uniform number in (0, 1) from a hash: deterministic, independent per (key, draw)."""
    return f"((hash({key}, {draw}, {seed}) % 1000000007) + 0.5) / 1000000007.0"


def generate_parquet(
    out_dir: Path,
    *,
    sales_rows: int,
    customers: int | None = None,
    seed: int = 42,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> GeneratedFiles:
    """Write sales.parquet (exactly `sales_rows` lines), customers.parquet and market.parquet."""
    if sales_rows < 1:
        raise ValueError(f"--sales-rows must be at least 1; got {sales_rows}")
    customers = customers or max(sales_rows // LINES_PER_CUSTOMER, 1)
    if customers < 1:
        raise ValueError(f"--customers must be at least 1; got {customers}")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = GeneratedFiles(
        out_dir / "sales.parquet",
        out_dir / "customers.parquet",
        out_dir / "market.parquet",
        sales_rows,
        customers,
    )
    span = (LAST_DAY - FIRST_DAY).days
    u = _uniform
    with duckdb.connect() as con:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        if memory_limit:
            con.execute(f"set memory_limit = '{memory_limit}'")
        # Per customer: spend level, purchase weight, first day and lifetime; 16 % never buy.
        con.execute(
            f"""
            create temp table buyers as
            with base as (
                select
                    c,
                    least(pow(1 - {u("c", 1, seed)}, -1 / 1.1), 800.0) as spend_level,
                    {u("c", 2, seed)} < 0.16 as never_buys,
                    cast(floor({span} * pow({u("c", 3, seed)}, 0.8)) as integer) as first_offset,
                    cast(floor(-700 * ln({u("c", 4, seed)})) as integer) + 30 as lifetime_days
                from range({customers}) as t(c)
            )
            select
                *,
                -- The days the customer buys on: from its first day, for its lifetime, within the span.
                least(lifetime_days, {span} + 1 - first_offset) as active_days,
                (1 - 3 * ln({u("c", 5, seed)})) * (1 + ln(spend_level)) * active_days as weight
            from base
            """
        )
        # Lines per buyer proportional to its weight, adjusted so the total is exactly `sales_rows`.
        con.execute(
            f"""
            create temp table line_counts as
            with buyers_only as (
                select c, weight / sum(weight) over () * {sales_rows} as share
                from buyers where not never_buys
            ),
            floored as (
                select c, cast(floor(share) as bigint) as lines, share - floor(share) as remainder
                from buyers_only
            ),
            ranked as (
                select *, row_number() over (order by remainder desc, c) as position,
                    {sales_rows} - sum(lines) over () as missing
                from floored
            )
            select c, lines + case when position <= missing then 1 else 0 end as lines
            from ranked
            """
        )
        con.execute(
            f"""
            copy (
                with starts as (
                    select c, lines, sum(lines) over (order by c) - lines as first_line
                    from line_counts where lines > 0
                ),
                lines as (
                    select starts.c, starts.first_line + k as line
                    from starts, range(starts.lines) as r(k)
                )
                select
                    'O' || lpad(cast(line + 1 as varchar), 10, '0') as order_id,
                    'C' || lpad(cast(lines.c + 1 as varchar), 8, '0') as customer_id,
                    cast(date '{FIRST_DAY}' + cast(
                        buyers.first_offset + floor({u("line", 6, seed)} * buyers.active_days) as integer
                    ) as date) as order_date,
                    cast(
                        (case when {u("line", 7, seed)} < 0.025 then -1 else 1 end)
                        * (1 + floor(-1.5 * ln({u("line", 8, seed)})))
                        * round(8 + (-35 * ln({u("line", 9, seed)})) * pow(buyers.spend_level, 0.9), 2)
                        as decimal(18, 2)
                    ) as amount
                from lines
                join buyers on lines.c = buyers.c
                order by line
            ) to {sql_string(files.sales)} (format parquet, compression zstd, row_group_size 1000000)
            """
        )
        con.execute(
            f"""
            copy (
                select
                    'C' || lpad(cast(c + 1 as varchar), 8, '0') as customer_id,
                    cast(date '{FIRST_DAY}' + first_offset - 30 as date) as signup_date
                from buyers
                where {u("c", 10, seed)} < 0.9
                order by c
            ) to {sql_string(files.customers)} (format parquet, compression zstd)
            """
        )
        con.execute(
            f"""
            copy (
                select 'C' || lpad(cast(c + 1 as varchar), 8, '0') as customer_id
                from range({customers}) as t(c) where {u("c", 11, seed)} < 0.55
                union all
                select 'M' || lpad(cast(m + 1 as varchar), 8, '0') from range({customers * 2}) as t(m)
                order by customer_id
            ) to {sql_string(files.market)} (format parquet, compression zstd)
            """
        )
    return files
