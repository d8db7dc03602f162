"""The settings a build was made with, kept beside its raw data in `raw.build_settings`.

The landing step writes the record once, with the as-of date it resolved; every later step of the run, the
independent expected values and a later `pyramid validate` read it back, so all of them use one value.
`as_of_requested` keeps what was asked for (null: the default, the latest order_date), so the independent
check can work the default out again on its own instead of trusting the resolved date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.core.duckdb_reader import connect_read_only
from orchestration.core.paths import RAW_SCHEMA
from orchestration.core.raw_sql import column_types
from orchestration.core.settings import PyramidSettings

BUILD_SETTINGS = f"{RAW_SCHEMA}.build_settings"
LOAD_STATE = f"{RAW_SCHEMA}.load_state"  # written by the landing (loading.py)


@dataclass(frozen=True)
class RecordedSettings:
    as_of_date: dt.date | None
    as_of_requested: dt.date | None
    window_days: int
    market_population: int | None
    tier_shares: tuple[Decimal, ...]
    keep_duplicates: bool
    history_period: str

    def rule_settings(self) -> dict[str, object]:
        """The fields of PyramidSettings that decide the pyramid's rules."""
        return {
            "window_days": self.window_days,
            "market_population": self.market_population,
            "tier_shares": self.tier_shares,
            "keep_duplicates": self.keep_duplicates,
            "history_period": self.history_period,
        }


def record_settings(
    con: duckdb.DuckDBPyConnection, settings: PyramidSettings, as_of_requested: dt.date | None
) -> PyramidSettings:
    """Resolve the as-of date (as requested, else the latest landed sale) and record it with the settings."""
    as_of = as_of_requested or recorded_newest_order_date(con)
    con.execute(
        f"""
        create or replace table {BUILD_SETTINGS} as
        select
            cast(? as date) as as_of_date,
            cast(? as date) as as_of_requested,
            cast(? as integer) as window_days,
            cast(? as bigint) as market_population,
            cast(? as varchar) as tier_shares,
            cast(? as boolean) as keep_duplicates,
            cast(? as varchar) as history_period,
            current_timestamp as built_at
        """,
        [
            as_of,
            as_of_requested,
            settings.window_days,
            settings.market_population,
            ",".join(str(share) for share in settings.tier_shares),
            settings.keep_duplicates,
            settings.history_period,
        ],
    )
    return replace(settings, as_of_date=as_of)


def read_recorded_settings(build_file: Path) -> RecordedSettings:
    with connect_read_only(build_file) as con:
        row = con.execute(
            "select as_of_date, as_of_requested, window_days, market_population, tier_shares,"
            f" keep_duplicates, history_period from {BUILD_SETTINGS}"
        ).fetchone()
    as_of, requested, window_days, market, shares, keep_duplicates, period = row
    return RecordedSettings(
        as_of,
        requested,
        window_days,
        market,
        tuple(Decimal(share) for share in shares.split(",")),
        keep_duplicates,
        period,
    )


def recorded_newest_order_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The latest sale landed in a build, as its landing recorded it (None for a warehouse landed before
    that was recorded)."""
    if "newest_order_date" not in column_types(con, LOAD_STATE):
        return None
    return con.execute(f"select newest_order_date from {LOAD_STATE}").fetchone()[0]


def read_newest_order_date(build_file: Path) -> dt.date | None:
    with connect_read_only(build_file) as con:
        return recorded_newest_order_date(con)
