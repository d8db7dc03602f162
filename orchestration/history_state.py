"""Decide whether a build may extend the published tier history instead of recomputing every period.

Every build writes a new file; when the published warehouse holds a history, that table is carried into the
new file first, so the incremental model `customer_tier_history` only adds the new periods (and recomputes
the last stored one). That is right only when nothing the stored periods were computed from has changed:
the settings, the history model's SQL, the sales before the last stored period, and the customers list. When
any did, or the build goes back in time (a backfill), nothing is carried and dbt builds the history whole.
The decision and its reason are recorded in `raw.history_build`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.paths import DBT_PROJECT_DIR, MARTS_SCHEMA, RAW_SCHEMA
from orchestration.settings import PyramidSettings

HISTORY_TABLE = f"{MARTS_SCHEMA}.customer_tier_history"
# The SQL the stored history was computed by; a change to any of it means a full rebuild.
HISTORY_SOURCES = (
    "models/marts/movement/customer_tier_history.sql",
    "models/intermediate/int_customer_daily_sales.sql",
    "models/intermediate/int_history_periods.sql",
    "models/staging/stg_sales.sql",
    "models/staging/stg_customers.sql",
    "macros/tiers.sql",
    "macros/periods.sql",
)

PREVIOUS = "previous_warehouse"

_SALES_FINGERPRINT = """
    select count(*), coalesce(sum(hash(
        trim(customer_id), try_cast(trim(order_date) as timestamp), try_cast(trim(amount) as decimal(18, 2))
    )::hugeint), 0)
    from {catalog}raw.sales
    where try_cast(trim(order_date) as timestamp) < cast(? as timestamp)
"""
_CUSTOMERS_FINGERPRINT = """
    select count(*), coalesce(sum(hash(trim(customer_id), nullif(trim(signup_date), ''))::hugeint), 0)
    from {catalog}raw.customers
"""


@dataclass(frozen=True)
class HistoryDecision:
    incremental: bool
    reason: str
    kept_periods: int = 0

    def describe(self) -> str:
        if self.incremental:
            return f"incremental: {self.kept_periods} stored periods kept ({self.reason})"
        return f"full rebuild ({self.reason})"


@dataclass(frozen=True)
class _Stored:
    signature: str
    settings: tuple
    as_of_date: object
    last_period_start: object
    periods: int
    sales: tuple
    customers: tuple


def model_signature() -> str:
    digest = hashlib.sha256()
    for relative in HISTORY_SOURCES:
        digest.update((DBT_PROJECT_DIR / relative).read_bytes())
    return digest.hexdigest()[:16]


def _settings_key(settings: PyramidSettings) -> tuple:
    shares = ",".join(str(share) for share in settings.tier_shares)
    return (settings.window_days, shares, settings.history_period, settings.keep_duplicates)


def carry_history(
    con: duckdb.DuckDBPyConnection, published: Path, settings: PyramidSettings, as_of_date
) -> HistoryDecision:
    """After the raw inputs are loaded into `con`: carry the published history over when it is still valid."""
    if not published.exists():
        decision = HistoryDecision(False, "no published warehouse yet")
    else:
        con.execute(f"attach '{published}' as {PREVIOUS} (read_only)")
        try:
            decision = decide(con, _read_stored(con), settings, as_of_date)
            if decision.incremental:
                con.execute(f"create schema if not exists {MARTS_SCHEMA}")
                con.execute(f"create table {HISTORY_TABLE} as select * from {PREVIOUS}.{HISTORY_TABLE}")
        finally:
            con.execute(f"detach {PREVIOUS}")
    _record(con, decision, settings)
    return decision


def _read_stored(con: duckdb.DuckDBPyConnection) -> _Stored | None:
    """What the published history was built from; None when there is no usable history."""
    tables = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            f"select schema_name, table_name from duckdb_tables() where database_name = '{PREVIOUS}'"
        ).fetchall()
    }
    if not {HISTORY_TABLE, f"{RAW_SCHEMA}.history_build", f"{RAW_SCHEMA}.sales"} <= tables:
        return None
    signature, window_days, shares, period, keep_duplicates = con.execute(
        "select signature, window_days, tier_shares, history_period, keep_duplicates"
        f" from {PREVIOUS}.{RAW_SCHEMA}.history_build"
    ).fetchone()
    as_of, last_start, periods = con.execute(
        "select max(as_of_date), max(period_start), count(distinct period_start)"
        f" from {PREVIOUS}.{HISTORY_TABLE}"
    ).fetchone()
    if last_start is None:
        return None
    catalog = f"{PREVIOUS}."
    return _Stored(
        signature=signature,
        settings=(window_days, shares, period, keep_duplicates),
        as_of_date=as_of,
        last_period_start=last_start,
        periods=periods,
        sales=con.execute(_SALES_FINGERPRINT.format(catalog=catalog), [last_start]).fetchone(),
        customers=con.execute(_CUSTOMERS_FINGERPRINT.format(catalog=catalog)).fetchone(),
    )


def decide(
    con: duckdb.DuckDBPyConnection, stored: _Stored | None, settings: PyramidSettings, as_of_date
) -> HistoryDecision:
    """Compare the stored history's inputs with the newly loaded raw tables of `con`."""
    if stored is None:
        return HistoryDecision(False, "no stored history")
    if stored.signature != model_signature():
        return HistoryDecision(False, "the history's SQL changed")
    if stored.settings != _settings_key(settings):
        return HistoryDecision(False, "window, tier shares, period or duplicate handling changed")
    if as_of_date is None or as_of_date < stored.as_of_date:
        return HistoryDecision(False, f"as-of date before the stored history's {stored.as_of_date}")
    if (
        con.execute(_SALES_FINGERPRINT.format(catalog=""), [stored.last_period_start]).fetchone()
        != stored.sales
    ):
        return HistoryDecision(False, f"sales before {stored.last_period_start} changed")
    if con.execute(_CUSTOMERS_FINGERPRINT.format(catalog="")).fetchone() != stored.customers:
        return HistoryDecision(False, "the customers list changed")
    return HistoryDecision(True, f"from {stored.last_period_start} on recomputed", stored.periods - 1)


def _record(con: duckdb.DuckDBPyConnection, decision: HistoryDecision, settings: PyramidSettings) -> None:
    """Keep what this build's history was computed from, for the next build's decision."""
    window_days, shares, period, keep_duplicates = _settings_key(settings)
    con.execute(
        f"""
        create or replace table {RAW_SCHEMA}.history_build as
        select
            cast(? as varchar) as signature,
            cast(? as integer) as window_days,
            cast(? as varchar) as tier_shares,
            cast(? as varchar) as history_period,
            cast(? as boolean) as keep_duplicates,
            cast(? as boolean) as incremental,
            cast(? as varchar) as reason
        """,
        [
            model_signature(),
            window_days,
            shares,
            period,
            keep_duplicates,
            decision.incremental,
            decision.describe(),
        ],
    )
