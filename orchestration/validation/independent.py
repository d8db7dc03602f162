"""Expected values for the suites, computed from the raw inputs without any dbt model or macro.

This is a second, deliberately different implementation of the README's rules: one SQL query over the landed
raw tables for each customer's standing, and the tier boundaries in Python's Decimal. When the dbt models and
this disagree, a check fails.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from orchestration.paths import RAW_SCHEMA
from orchestration.validation.suites import TIERS

STANDING_SQL = f"""
with settings as (
    select * from {RAW_SCHEMA}.build_settings
),
sales as (
    select
        trim(customer_id) as id,
        cast(cast(trim(order_date) as timestamp) as date) as day,
        cast(trim(amount) as decimal(18, 2)) as amount
    from {RAW_SCHEMA}.sales
),
as_of as (
    select coalesce(settings.as_of_date, (select max(day) from sales)) as as_of_date, settings.window_days
    from settings
),
until_as_of as (
    select sales.*, sales.day > as_of.as_of_date - as_of.window_days as in_window
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
    select trim(customer_id) as id
    from {RAW_SCHEMA}.customers, as_of
    where nullif(trim(signup_date), '') is null
        or cast(cast(trim(signup_date) as timestamp) as date) <= as_of.as_of_date
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


SALES_SPAN_SQL = f"""
with days as (
    select cast(cast(trim(order_date) as timestamp) as date) as day from {RAW_SCHEMA}.sales
),
as_of as (
    select coalesce((select as_of_date from {RAW_SCHEMA}.build_settings), (select max(day) from days)) as day
)
select min(days.day), any_value(as_of.day) from days, as_of where days.day <= as_of.day
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


def expected_values(duckdb_path: Path, today: dt.date | None = None) -> dict[str, object]:
    """Suite parameters for the build in `duckdb_path` (its raw schema and build settings)."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        settings = con.execute(
            f"select market_population, tier_shares from {RAW_SCHEMA}.build_settings"
        ).fetchone()
        standings = con.execute(STANDING_SQL).fetchall()
        span = con.execute(SALES_SPAN_SQL).fetchone()
        period = con.execute(f"select history_period from {RAW_SCHEMA}.build_settings").fetchone()[0]
        market_ids = {
            row[0] for row in con.execute(f"select trim(customer_id) from {RAW_SCHEMA}.market").fetchall()
        }
    market_population, tier_shares = settings
    shares = [Decimal(share) for share in tier_shares.split(",")]
    active = sorted(
        ((revenue, customer) for customer, standing, revenue in standings if standing == "active"),
        key=lambda pair: (-pair[0], pair[1]),
    )
    known = {customer for customer, _, _ in standings}
    counts = {
        standing: sum(1 for _, s, _ in standings if s == standing) for standing in ("inactive", "prospect")
    }
    suspects = len(market_ids - known)
    values: dict[str, object] = {
        "today": (today or dt.date.today()).isoformat(),
        "active_customers": len(active),
        "highest_rank": max(len(active), 1),
        "active_revenue_cents": _cents(sum(revenue for revenue, _ in active)),
        "known_customers": len(known),
        "expected_inactive_customers": counts["inactive"],
        "expected_prospect_customers": counts["prospect"],
        "expected_suspect_customers": suspects,
        "all_levels_total": market_population if market_population is not None else len(known) + suspects,
        "period_pairs": max(periods_between(*span, period) - 1, 0) if span[0] else 0,
    }
    start = 0
    for tier, size in zip(TIERS, tier_sizes(len(active), shares), strict=True):
        values[f"expected_{tier}_customers"] = size
        values[f"expected_{tier}_revenue_cents"] = _cents(sum(r for r, _ in active[start : start + size]))
        start += size
    return values


def _cents(amount: Decimal | int) -> int:
    return int(Decimal(amount) * 100)
