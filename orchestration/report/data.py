"""What the report shows, read from the published warehouse over one short read-only connection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.core.paths import MARTS_SCHEMA
from orchestration.core.settings import TIER_NAMES
from orchestration.report.text import (
    PyramidLevel,
    read_action_summary,
    read_backtest,
    read_candidates,
    read_forecast,
    read_outlook_quality,
)

TIERS = TIER_NAMES
FROM_LEVELS = (*TIERS, "inactive", "prospect", "none")
TO_LEVELS = (*TIERS, "inactive", "prospect")


# How many customers of each action the report lists (the CSV files have them all).
FIRST_TO_CALL = 10


@dataclass(frozen=True)
class ReportData:
    as_of: dt.date
    window_days: int
    levels: list[PyramidLevel]
    migration_from: dt.date | None = None
    migration: dict[tuple[str, str], int] = field(default_factory=dict)
    movements: dict[str, int] = field(default_factory=dict)
    periods: list[dt.date] = field(default_factory=list)
    tier_counts: dict[str, list[int]] = field(default_factory=dict)
    inactive_counts: list[int] = field(default_factory=list)
    revenue_shares: dict[str, list[float]] = field(default_factory=dict)
    curve: list[tuple[int, float]] = field(default_factory=list)
    # level → (customers now, expected next period, expected at the horizon, backtest error next)
    forecast: dict[str, tuple] = field(default_factory=dict)
    horizon_periods: int | None = None
    # action → (customers, value at stake)
    actions: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    # action → its first customers to call: (customer_id, tier, value at stake, reachable, reason)
    first_to_call: dict[str, list[tuple]] = field(default_factory=dict)
    # tier → its customers with the highest window revenue: (customer_id, revenue, revenue rank)
    top_of_tier: dict[str, list[tuple]] = field(default_factory=dict)
    # The outlook's backtest (report.read_backtest): one row per segment, `all` first.
    backtest: list[tuple] = field(default_factory=list)
    # The outlook's candidate models as its backtest ranked them (report.read_candidates), the chosen first.
    candidates: list[tuple] = field(default_factory=list)
    # The limits the backtest misses, in words (report.read_outlook_quality); None when it meets them.
    outlook_warnings: str | None = None

    @property
    def active_customers(self) -> int:
        return sum(level.customers or 0 for level in self.levels if level.level in TIERS)

    @property
    def active_revenue(self) -> Decimal:
        return sum((level.revenue or Decimal(0) for level in self.levels if level.level in TIERS), Decimal(0))


def read_report_data(duckdb_path: Path) -> ReportData:
    if not duckdb_path.exists():
        raise FileNotFoundError(f"{duckdb_path}: no warehouse yet; run `pyramid run` first")
    with duckdb.connect(str(duckdb_path), read_only=True) as con:

        def rows(sql: str) -> list[tuple]:
            return con.execute(sql.format(marts=MARTS_SCHEMA)).fetchall()

        levels = rows(
            "select level, customers, share_of_active, revenue, share_of_revenue, as_of_date"
            " from {marts}.pyramid_summary order by level_order"
        )
        window_days = rows("select window_days from intermediate.int_pyramid_parameters")[0][0]
        latest_pair = rows(
            "select from_level, to_level, movement, customers, previous_as_of_date"
            " from {marts}.tier_migration"
            " where period_start = (select max(period_start) from {marts}.tier_migration)"
        )
        trend = rows(
            "select as_of_date, pyramid_level, count(*) from {marts}.customer_tier_history"
            " group by all order by as_of_date"
        )
        shares = rows(
            "select as_of_date, tier, share_of_revenue from {marts}.revenue_concentration order by as_of_date"
        )
        curve = rows(
            "select customer_percent, cumulative_revenue_share from {marts}.revenue_curve"
            " where is_latest_period order by customer_percent"
        )
        top_of_tier = rows(
            "select tier, customer_id, revenue, revenue_rank from ("
            "  select *, row_number() over (partition by tier order by revenue_rank) as nth"
            "  from {marts}.customer_tiers"
            f") where nth <= {FIRST_TO_CALL} order by revenue_rank"
        )
        first = rows(
            "select action, customer_id, tier, value_at_stake, reachable, reason"
            f" from {{marts}}.customer_actions where priority <= {FIRST_TO_CALL} order by action, priority"
        )
    forecast = read_forecast(duckdb_path)
    actions = read_action_summary(duckdb_path)
    periods = sorted({row[0] for row in trend})
    position = {period: index for index, period in enumerate(periods)}

    def series(found: list[tuple], level: str, default):
        values = [default] * len(periods)
        for period, name, value in found:
            if name == level:
                values[position[period]] = value
        return values

    movements: dict[str, int] = {}
    for _, _, movement, customers, _ in latest_pair:
        movements[movement] = movements.get(movement, 0) + customers
    return ReportData(
        as_of=levels[0][5],
        window_days=window_days,
        levels=[PyramidLevel(*row[:5]) for row in levels],
        migration_from=latest_pair[0][4] if latest_pair else None,
        migration={(row[0], row[1]): row[3] for row in latest_pair},
        movements=movements,
        periods=periods,
        tier_counts={tier: series(trend, tier, 0) for tier in TIERS},
        inactive_counts=series(trend, "inactive", 0),
        revenue_shares={tier: [float(v) for v in series(shares, tier, Decimal(0))] for tier in TIERS},
        curve=[(percent, float(share)) for percent, share in curve],
        forecast={row[0]: row[1:5] for row in forecast},
        horizon_periods=forecast[0][5] if forecast else None,
        actions={row[0]: (row[1], row[2]) for row in actions},
        first_to_call={action: [row[1:] for row in first if row[0] == action] for action, *_ in actions},
        top_of_tier={tier: [row[1:] for row in top_of_tier if row[0] == tier] for tier in TIERS},
        backtest=read_backtest(duckdb_path),
        candidates=read_candidates(duckdb_path),
        outlook_warnings=read_outlook_quality(duckdb_path),
    )
