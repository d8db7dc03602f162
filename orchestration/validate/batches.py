"""The DataFrames the suites validate, read from a DuckDB file over a read-only connection closed at once.

GX validates pandas DataFrames rather than DuckDB through SQLAlchemy: GX 1.24's SQL data source over
duckdb-engine fails every expectation (`MetricResolutionError: list index out of range`, GX issues 10738 and
11579), and its connection pool would keep the file locked. Money a suite compares
exactly is read as text (a DECIMAL(38, 2) as DuckDB writes it, sums taken in SQL), dates as ISO 8601 text, so
Data Docs shows amounts and dates as they are.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.core.paths import MARTS_SCHEMA, RAW_SCHEMA
from orchestration.core.raw_sql import column_types, date_value, decimal_value
from orchestration.core.settings import TIER_NAMES

_TIER_ORDER = " ".join(f"when '{tier}' then {order}" for order, tier in enumerate(TIER_NAMES, 1))
QUERIES = {
    # Not every sales line: the lines that break a rule and the first SAMPLE_LINES lines, so GX never holds
    # millions of rows, and every expectation fails exactly when it would on all lines. Lines are checked when
    # they are landed: after a run that only appended a file (raw.load_state), the lines of earlier runs were
    # checked by those runs and only the new ones are searched (duplicates against all lines).
    "raw_sales": f"""
        with parsed as (
            select
                customer_id,
                order_date,
                amount,
                order_id,
                quantity,
                product_id,
                status,
                _row_number,
                _row_number >= {{first_checked_row}} as is_checked,
                {{order_day}} as order_day_value,
                {{amount_number}} as amount_number,
                order_id is not null and not coalesce(
                    (select keep_duplicates from {RAW_SCHEMA}.build_settings), false
                ) as checks_duplicates
            from {RAW_SCHEMA}.sales
        ),
        line_hashes as (
            select
                _row_number,
                is_checked,
                hash(order_id, customer_id, order_date, amount, quantity, product_id, status) as line_hash
            from parsed
            where checks_duplicates and ({{lines_hashed}})
        ),
        repeated_hashes as (
            -- Hashes of checked lines found more than once among all lines: every duplicate (and, rarely, a
            -- harmless collision, which the exact expectation then passes). One aggregate that DuckDB can
            -- spill, not a semi-join against a hash table of every checked line (100 s at 100M lines).
            select line_hash
            from line_hashes
            group by line_hash
            having count(*) > 1 and bool_or(is_checked)
        ),
        selected as (
            select _row_number
            from parsed
            where
                _row_number <= {{sample_lines}}
                or (
                    is_checked and (
                        customer_id is null
                        or order_day_value is null
                        or order_day_value > cast($today as date)
                        or amount_number is null
                    )
                )
            union
            select _row_number
            from line_hashes
            where line_hash in (select line_hash from repeated_hashes)
        )
        select
            * exclude (_row_number, is_checked, order_day_value),
            strftime(order_day_value, '%Y-%m-%d') as order_day
        from parsed
        where _row_number in (select _row_number from selected)
        order by _row_number
    """,
    "customer_tiers": f"""
        select
            customer_id,
            tier,
            revenue,
            -- summed here, exactly, as the DECIMAL it is (GX sums money as floats)
            cast(sum(revenue) over () as varchar) as total_revenue,
            revenue_rank,
            case tier {_TIER_ORDER} end as tier_order
        from {MARTS_SCHEMA}.customer_tiers
        order by revenue_rank, customer_id
    """,
    "pyramid_summary": f"""
        select
            level,
            level_order,
            customers,
            cast(revenue as varchar) as revenue,
            level in {TIER_NAMES} as is_tier,
            strftime(as_of_date, '%Y-%m-%d') as as_of_date
        from {MARTS_SCHEMA}.pyramid_summary
        order by level_order
    """,
    # One row per customer in these two marts: millions at scale. GX gets the rows that break a rule (all
    # of them) and the first SAMPLE_LINES customers, with the table's row count as a column (`table_rows`),
    # so the counts stay exact and no expectation passes that would fail on every row. A wrongly empty table
    # still yields one row of nulls, which fails.
    "customers": f"""
        with customers as (
            select customer_id, level, tier from {MARTS_SCHEMA}.customers
        ),
        sample as (
            select customer_id from customers order by customer_id limit {{sample_lines}}
        ),
        repeated as (
            select customer_id from customers group by customer_id having count(*) > 1
        ),
        selected as (
            select *
            from customers
            where
                customer_id in (select customer_id from sample)
                or customer_id in (select customer_id from repeated)
                or customer_id is null
                or (level != 'active' and tier is not null)
                or (level = 'active' and tier is null)
        )
        select selected.*, (select count(*) from customers) as table_rows
        from (select 1) as one_row
        left join selected on true
        order by selected.customer_id
    """,
    "customer_tier_history": f"""
        with latest as (
            select * from {MARTS_SCHEMA}.customer_tier_history
            where period_start = (select max(period_start) from {MARTS_SCHEMA}.customer_tier_history)
        ),
        compared as (
            select
                coalesce(latest.customer_id, customers.customer_id) as customer_id,
                latest.level as history_level,
                customers.level as current_level,
                coalesce(latest.tier, '-') as history_tier,
                coalesce(customers.tier, '-') as current_tier,
                cast(latest.window_revenue * 100 as bigint) as history_revenue_cents,
                cast(activity.window_revenue * 100 as bigint) as current_revenue_cents,
                cast(latest.as_of_date as varchar) as history_as_of_date,
                cast(customers.as_of_date as varchar) as current_as_of_date
            from latest
            full outer join {MARTS_SCHEMA}.customers on latest.customer_id = customers.customer_id
            left join {MARTS_SCHEMA}.customer_activity as activity
                on coalesce(latest.customer_id, customers.customer_id) = activity.customer_id
        ),
        sample as (
            select customer_id from compared order by customer_id limit {{sample_lines}}
        ),
        selected as (
            select *
            from compared
            where
                customer_id in (select customer_id from sample)
                or history_level is null
                or current_level is null
                or history_level != current_level
                or history_tier != current_tier
                or history_revenue_cents is distinct from current_revenue_cents
                or history_as_of_date is distinct from current_as_of_date
        )
        select selected.*, (select count(*) from compared) as table_rows
        from (select 1) as one_row
        left join selected on true
        order by selected.customer_id
    """,
    "tier_migration": f"""
        with period_customers as (
            select period_start, count(*) as customers
            from {MARTS_SCHEMA}.customer_tier_history
            group by period_start
        ),
        moves as (
            select
                period_start,
                previous_period_start,
                sum(case when from_level != 'none' then customers else 0 end) as moved_from_earlier,
                sum(customers) as moved_in_total
            from {MARTS_SCHEMA}.tier_migration
            group by period_start, previous_period_start
        )
        select
            moves.period_start,
            cast(moves.moved_from_earlier as bigint) as moved_from_earlier,
            coalesce(earlier.customers, 0) as earlier_customers,
            cast(moves.moved_in_total as bigint) as moved_in_total,
            coalesce(later.customers, 0) as later_customers
        from moves
        left join period_customers as earlier on moves.previous_period_start = earlier.period_start
        left join period_customers as later on moves.period_start = later.period_start
        order by moves.period_start
    """,
    "tier_retention": f"select * from {MARTS_SCHEMA}.tier_retention order by period_start, tier_order",
    "pyramid_forecast": f"select * from {MARTS_SCHEMA}.pyramid_forecast order by level_order",
    "customer_actions": f"""
        select
            actions.customer_id,
            actions.action,
            actions.priority,
            customers.customer_id is not null as is_known_customer,
            customers.level as current_level,
            coalesce(customers.tier, '-') as current_tier
        from {MARTS_SCHEMA}.customer_actions as actions
        left join {MARTS_SCHEMA}.customers as customers on actions.customer_id = customers.customer_id
        order by actions.action, actions.priority
    """,
    "customer_outlook": f"select * from {MARTS_SCHEMA}.customer_outlook order by customer_id",
    "outlook_backtest": f"select * from {MARTS_SCHEMA}.outlook_backtest order by segment",
    "marts_schema": f"""
        select table_name, column_name || ' ' || data_type as column_signature
        from information_schema.columns
        where table_schema = '{MARTS_SCHEMA}'
        order by table_name, ordinal_position
    """,
}


SAMPLE_LINES = 10_000
# Output batches read as the rule-breaking rows plus a sample (see the queries).
SAMPLED = ("customers", "customer_tier_history")


def read_batch(con: duckdb.DuckDBPyConnection, asset: str, today: str | None = None) -> pd.DataFrame:
    """The batch of one suite, read on the validation's read-only connection to the build file."""
    query = QUERIES[asset]
    if asset == "raw_sales":
        types = column_types(con, f"{RAW_SCHEMA}.sales")
        first_checked_row = _first_checked_row(con)
        query = query.format(
            sample_lines=SAMPLE_LINES,
            first_checked_row=first_checked_row,
            # Every line after a full landing. After an appended file, only the earlier lines that share an
            # order_id with the new ones (a repeat of a line has its order_id), not every line ever landed;
            # never that filter after a full landing, where it would hold every order_id in a hash table.
            lines_hashed="true"
            if first_checked_row <= 1
            else "is_checked or order_id in (select order_id from parsed where is_checked)",
            order_day=date_value("order_date", types["order_date"], strict=False),
            amount_number=decimal_value("amount", types["amount"], strict=False),
        )
        return con.execute(query, {"today": today}).df()
    if asset in SAMPLED:
        query = query.format(sample_lines=SAMPLE_LINES)
    return con.execute(query).df()


def _first_checked_row(con: duckdb.DuckDBPyConnection) -> int:
    """The first sales row this build landed (1 after a full landing; past the end when nothing was added)."""
    found = con.execute(
        "select count(*) - coalesce(any_value(load_state.sales_new_rows), count(*)) + 1"
        f" from {RAW_SCHEMA}.sales left join {RAW_SCHEMA}.load_state as load_state on true"
    ).fetchone()
    return found[0]
