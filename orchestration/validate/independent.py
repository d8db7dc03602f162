"""Expected values for the suites, computed from the raw inputs without any dbt model or macro.

This is a second, deliberately different implementation of the README's rules: one SQL query over the landed
raw tables for each customer's standing, and the tier boundaries in Python's Decimal. When the dbt models and
this disagree, a check fails. Two values are settings rather than computations: the outlook's backtest limits
(dbt var outlook_backtest_limits) and the marts' columns (their dbt contracts, read from the manifest).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from orchestration.build.lineage import contracted_columns, load_manifest, project_var
from orchestration.core.paths import RAW_SCHEMA
from orchestration.core.raw_sql import column_types, date_value, decimal_value, text_value
from orchestration.core.settings import TIER_NAMES as TIERS


def standing_sql(sales: dict[str, str], customers: dict[str, str], requested: str = "as_of_requested") -> str:
    """Each customer's standing and window revenue; `sales`/`customers` are the raw tables' column types,
    `requested` the column of build_settings holding the as-of date asked for (null: the latest sale)."""
    return f"""
with settings as (
    select * from {RAW_SCHEMA}.build_settings
),
sales as (
    select
        {text_value("customer_id", sales["customer_id"])} as id,
        {date_value("order_date", sales["order_date"])} as day,
        {decimal_value("amount", sales["amount"])} as amount
    from {RAW_SCHEMA}.sales
),
as_of as (
    select
        coalesce(settings.{requested}, (select max(day) from sales)) as as_of_date,
        settings.window_days
    from settings
),
until_as_of as (
    select sales.*, sales.day > as_of.as_of_date - cast(as_of.window_days as integer) as in_window
    from sales, as_of
    where sales.day <= as_of.as_of_date
),
buyers as (
    select
        id,
        max(case when amount > 0 and in_window then 1 else 0 end) = 1 as active,
        max(case when amount > 0 then 1 else 0 end) = 1 as purchased,
        sum(case when in_window then amount else 0 end) as window_revenue
    from until_as_of
    group by id
),
relationships as (
    select {text_value("customer_id", customers["customer_id"])} as id
    from {RAW_SCHEMA}.customers, as_of
    where {date_value("signup_date", customers["signup_date"])} is null
        or {date_value("signup_date", customers["signup_date"])} <= as_of.as_of_date
    union
    select id from buyers
)
select
    relationships.id,
    case
        when buyers.active then 'active'
        when buyers.purchased then 'inactive'
        else 'prospect'
    end as standing,
    coalesce(buyers.window_revenue, 0) as window_revenue
from relationships
left join buyers on relationships.id = buyers.id
"""


def sales_span_sql(sales: dict[str, str], requested: str = "as_of_requested") -> str:
    """The first sales day and the as-of date."""
    return f"""
with days as (
    select {date_value("order_date", sales["order_date"])} as day from {RAW_SCHEMA}.sales
),
as_of as (
    select coalesce((select {requested} from {RAW_SCHEMA}.build_settings), (select max(day) from days))
        as day
)
select (select min(days.day) from days where days.day <= as_of.day), as_of.day from as_of
"""


def periods_between(first: dt.date, last: dt.date, period: str) -> int:
    """How many weeks (Monday to Sunday), months or quarters hold the days from first to last."""
    if period == "week":
        return (
            last - dt.timedelta(days=last.weekday()) - (first - dt.timedelta(days=first.weekday()))
        ).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    if period == "month":
        return months + 1
    return (last.year * 4 + (last.month - 1) // 3) - (first.year * 4 + (first.month - 1) // 3) + 1


def tier_sizes(active: int, shares: list[Decimal]) -> list[int]:
    """Customers per tier: differences of round-half-up(N x cumulative share / 100)."""
    cumulative, bounds = Decimal(0), []
    for share in shares[:-1]:
        cumulative += share
        bounds.append(int((Decimal(active) * cumulative / 100).quantize(Decimal(1), ROUND_HALF_UP)))
    edges = [0, *bounds, active]
    return [edges[i + 1] - edges[i] for i in range(len(shares))]


def expected_values(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> dict[str, object]:
    """Suite parameters for the build open on `con` (its raw schema and build settings).

    Counted and summed in SQL (millions of customers never come into Python); only the tier boundaries are
    computed here, in Decimal.
    """
    market_population, tier_shares, period = con.execute(
        f"select market_population, tier_shares, history_period from {RAW_SCHEMA}.build_settings"
    ).fetchone()
    sales = column_types(con, f"{RAW_SCHEMA}.sales")
    requested = _requested_column(con)
    standings = standing_sql(sales, column_types(con, f"{RAW_SCHEMA}.customers"), requested)
    active, active_revenue, known, inactive, prospect, suspects = _standing_counts(con, standings)
    sizes = tier_sizes(active, [Decimal(share) for share in tier_shares.split(",")])
    tier_revenues = _tier_revenues(con, standings, sizes)
    span = con.execute(sales_span_sql(sales, requested)).fetchone()
    values: dict[str, object] = {
        "today": (today or dt.date.today()).isoformat(),
        "active_customers": active,
        "highest_rank": max(active, 1),
        "active_revenue": [_money_text(active_revenue)],
        "known_customers": known,
        "expected_inactive_customers": inactive,
        "expected_prospect_customers": prospect,
        "expected_suspect_customers": suspects,
        "all_levels_total": market_population if market_population is not None else known + suspects,
        "period_pairs": max(periods_between(*span, period) - 1, 0) if span[0] else 0,
        "expected_as_of_date": [span[1].isoformat()] if span[1] else [],
        "highest_priority": max(known, 1),
        "retain_tiers": list(TIERS[: TIERS.index(project_var("action_retain_min_tier")) + 1]),
        **backtest_limits(),
        **mart_schema(con),
    }
    for tier, size, revenue in zip(TIERS, sizes, tier_revenues, strict=True):
        values[f"expected_{tier}_customers"] = size
        values[f"expected_{tier}_revenue"] = [_money_text(revenue)]
    return values


def people_named(con: duckdb.DuckDBPyConnection) -> int:
    """Everyone the landed inputs name by the build's as-of date: customers, prospects and the others of the
    market list, the levels above `rest` (a market population below it is refused before any model runs)."""
    sales = column_types(con, f"{RAW_SCHEMA}.sales")
    standings = standing_sql(sales, column_types(con, f"{RAW_SCHEMA}.customers"), _requested_column(con))
    _, _, known, _, _, suspects = _standing_counts(con, standings)
    return known + suspects


def _requested_column(con: duckdb.DuckDBPyConnection) -> str:
    """A warehouse built before as_of_requested was recorded: its as_of_date was always the one asked for."""
    settings_columns = column_types(con, f"{RAW_SCHEMA}.build_settings")
    return "as_of_requested" if "as_of_requested" in settings_columns else "as_of_date"


def _standing_counts(con: duckdb.DuckDBPyConnection, standings: str) -> tuple:
    """(active, their window revenue, known, inactive, prospects, suspects)."""
    market_id = text_value("customer_id", column_types(con, f"{RAW_SCHEMA}.market")["customer_id"])
    return con.execute(
        f"""
        with standings as ({standings})
        select
            count(*) filter (where standing = 'active'),
            coalesce(sum(window_revenue) filter (where standing = 'active'), 0),
            count(*),
            count(*) filter (where standing = 'inactive'),
            count(*) filter (where standing = 'prospect'),
            (select count(distinct {market_id}) from {RAW_SCHEMA}.market
                where {market_id} not in (select id from standings))
        from standings
        """
    ).fetchone()


def mart_schema(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """What the marts_schema suite expects, from dbt's manifest: for each mart whose contract is enforced,
    `<mart>_columns`, its columns as `name TYPE` (the contract's type as DuckDB names it: string is VARCHAR),
    and `mart_tables`."""
    contracts = contracted_columns(load_manifest())
    values: dict[str, list[str]] = {"mart_tables": list(contracts)}
    for table, columns in contracts.items():
        values[f"{table}_columns"] = [
            f"{name} {con.execute(f'select typeof(cast(null as {data_type}))').fetchone()[0]}"
            for name, data_type in columns
        ]
    return values


def backtest_limits() -> dict[str, float]:
    """The outlook's backtest limits (var outlook_backtest_limits, the one place they are set), as the
    outlook_backtest suite's parameters: `backtest_<limit>`, the errors as their negative bound too."""
    limits = {name: float(value) for name, value in project_var("outlook_backtest_limits").items()}
    parameters = {f"backtest_{name}": value for name, value in limits.items()}
    for name in ("max_revenue_error_percent", "max_buyers_error_percent"):
        parameters[f"backtest_minus_{name}"] = -limits[name]
    return parameters


def _tier_revenues(con: duckdb.DuckDBPyConnection, standings: str, sizes: list[int]) -> list[Decimal]:
    """Window revenue of each run of ranks (highest revenue first, ties by customer id) of the tier sizes."""
    edges = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
    sums = ", ".join(
        f"coalesce(sum(window_revenue) filter (where position > {low} and position <= {high}), 0)"
        for low, high in itertools.pairwise(edges)
    )
    return list(
        con.execute(
            f"""
            with standings as ({standings})
            select {sums}
            from (
                select window_revenue, row_number() over (order by window_revenue desc, id) as position
                from standings where standing = 'active'
            )
            """
        ).fetchone()
    )


def _money_text(amount: Decimal | int) -> str:
    """An amount as DuckDB writes a DECIMAL(38, 2) as text (3010604.56, 0.00, -42.20): compared as text, it
    is exact, and Data Docs shows it as the amount it is."""
    return str(Decimal(amount).quantize(Decimal("0.01")))
