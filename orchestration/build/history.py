"""Decide which incremental tables a build may extend instead of computing them whole.

A build file starts as a copy of the published warehouse when the loader can reuse its raw tables (see
orchestration/land/input_files.py), so the incremental models arrive with their stored rows:

- `int_customer_daily_sales` (revenue per customer and day) is kept unless the sales were landed again from
  scratch or its SQL changed; dbt then recomputes only the days from the earliest newly landed line.
- `int_outlook_customer_sums` (the outlook's per-customer sums at its two cutoffs) is kept with the daily
  sales when it was taken with this window and horizon, as of this as-of date or before, and no line was
  appended for a day on or before that: dbt moves both cutoffs forward by the days that enter and leave them.
- `customer_tier_history` is kept when nothing its stored periods were computed from has changed: the
  settings, the SQL of every model and macro upstream of the incremental models (read from dbt's manifest:
  orchestration/build/lineage.py), the sales before its last stored period (appended lines for earlier days,
  a late correction, only make dbt recompute the periods from the one holding their earliest day), and the
  customers known before that period; dbt then recomputes the last stored period and adds the new ones. A
  build going back in time (a backfill) rebuilds it.

A table that may not be kept is dropped, and dbt builds it whole. When the build did not start from a copy but
the published history is still valid, it is copied over. The decisions and reasons go to `raw.history_build`,
with where the rows dbt writes into each kept table begin: the uniqueness tests of those tables look at these
rows only (dbt vars `history_checked_from`, `daily_checked_from`; tests/generic/unique_combination.sql).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.build.cluster_state import ClusterTables
from orchestration.build.lineage import incremental_signature, load_manifest
from orchestration.build.spark import CLUSTER_TARGET, SPARK_TARGET
from orchestration.core.paths import MARTS_SCHEMA, RAW_SCHEMA
from orchestration.core.raw_sql import column_types, date_value, decimal_value, sql_string, text_value
from orchestration.core.settings import PyramidSettings
from orchestration.land.loading import LoadedInput

HISTORY_TABLE = f"{MARTS_SCHEMA}.customer_tier_history"
# Incremental models computed from the history: kept and dropped with it.
HISTORY_DEPENDENTS = ("intermediate.int_revenue_curve", f"{MARTS_SCHEMA}.tier_migration")
DAILY_TABLE = "intermediate.int_customer_daily_sales"
OUTLOOK_SUMS_TABLE = "intermediate.int_outlook_customer_sums"
PREVIOUS = "previous_warehouse"


@dataclass(frozen=True)
class HistoryDecision:
    incremental: bool
    reason: str
    kept_periods: int = 0
    daily_kept: bool = False
    # dbt writes into the kept history the periods ending on or after `history_written_from`, and into the
    # kept daily sales the days from `daily_written_from`; None: the table is built whole. Every row before
    # was checked by the build that wrote it: the uniqueness tests look only at these (`checked_from_vars`).
    history_written_from: object = None
    daily_written_from: object = None
    outlook_sums_kept: bool = False

    def describe(self) -> str:
        daily = "daily sales: only new days" if self.daily_kept else "daily sales: full build"
        if self.incremental:
            return f"incremental: {self.kept_periods} stored periods kept ({self.reason}); {daily}"
        return f"full rebuild ({self.reason}); {daily}"


@dataclass(frozen=True)
class _Stored:
    signature: str
    settings: tuple
    as_of_date: object
    last_period_start: object
    periods: int


def model_signature(target: str) -> str:
    """What the stored tables were computed by: every model and macro upstream of the incremental models
    (read from dbt's manifest), and the engine (dbt target)."""
    return incremental_signature(load_manifest(), target)


def _settings_key(settings: PyramidSettings) -> tuple:
    shares = ",".join(str(share) for share in settings.tier_shares)
    return (settings.window_days, shares, settings.history_period, settings.keep_duplicates)


INCREMENTAL_TABLES = (DAILY_TABLE, OUTLOOK_SUMS_TABLE, HISTORY_TABLE, *HISTORY_DEPENDENTS)


class _BuildFileTables:
    """The incremental tables in the run's DuckDB build file (a copy of the published warehouse's)."""

    dropped_because: str | None = None

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def exists(self, table: str) -> bool:
        return _table_exists(self._con, "main", table)

    def drop(self, table: str) -> None:
        self._con.execute(f"drop table if exists {table}")


def carry_history(
    con: duckdb.DuckDBPyConnection,
    published: Path,
    settings: PyramidSettings,
    as_of_date,
    loaded: list[LoadedInput] | None = None,
) -> HistoryDecision:
    """After the raw inputs are loaded into `con`: keep (or copy) what is still valid, drop the rest.

    The tables are the build file's on DuckDB, the cluster's on `--target spark_cluster`
    (orchestration/build/cluster_state.py). The local Spark session builds every table whole.
    """
    if settings.target == SPARK_TARGET:
        for table in INCREMENTAL_TABLES:
            con.execute(f"drop table if exists {table}")
        decision = HistoryDecision(False, f"{settings.target} builds every table whole")
        _record(con, decision, settings)
        return decision
    on_cluster = settings.target == CLUSTER_TARGET
    if on_cluster:
        tables = ClusterTables.open(_published_owner(con, published), INCREMENTAL_TABLES)
    else:
        tables = _BuildFileTables(con)
    actions = {item.name: item.action for item in loaded or []}
    copied = tables.exists(HISTORY_TABLE) or tables.exists(DAILY_TABLE)
    daily_kept = (
        copied
        and actions.get("sales") in ("kept", "appended")
        and _stored_signature(con) == model_signature(settings.target)
        and tables.exists(DAILY_TABLE)
    )
    if not daily_kept:
        tables.drop(DAILY_TABLE)
    # On Spark the outlook's sums are a table (keyed by customer: no partition to overwrite).
    outlook_sums_kept = (
        not on_cluster
        and daily_kept
        and _outlook_sums_extendable(con, settings, as_of_date, actions.get("sales"))
    )
    if not outlook_sums_kept:
        tables.drop(OUTLOOK_SUMS_TABLE)
    if not published.exists():
        decision = HistoryDecision(False, "no published warehouse yet")
    else:
        con.execute(f"attach {sql_string(published)} as {PREVIOUS} (read_only)")
        try:
            decision = decide(con, _read_stored(con), settings, as_of_date, actions)
            if decision.incremental and not on_cluster and not tables.exists(HISTORY_TABLE):
                con.execute(f"create schema if not exists {MARTS_SCHEMA}")
                con.execute(f"create table {HISTORY_TABLE} as select * from {PREVIOUS}.{HISTORY_TABLE}")
        finally:
            con.execute(f"detach {PREVIOUS}")
    history_kept = decision.incremental and tables.exists(HISTORY_TABLE)
    if not history_kept:
        for table in (HISTORY_TABLE, *HISTORY_DEPENDENTS):
            tables.drop(table)
    reason = decision.reason
    if decision.incremental and not history_kept:
        reason = tables.dropped_because or "no stored history on the cluster"
    decision = HistoryDecision(
        history_kept,
        reason,
        decision.kept_periods if history_kept else 0,
        daily_kept,
        history_written_from=decision.history_written_from if history_kept else None,
        daily_written_from=_changed_from(con) if daily_kept else None,
        outlook_sums_kept=outlook_sums_kept,
    )
    # Before dbt writes into the cluster's tables: from here on they are this build's until it is published.
    owner = tables.take_over() if on_cluster else None
    _record(con, decision, settings, cluster_owner=owner)
    return decision


def _published_owner(con: duckdb.DuckDBPyConnection, published: Path) -> str | None:
    """The build that wrote the cluster's incremental tables, as the published warehouse records it."""
    if not published.exists():
        return None
    con.execute(f"attach {sql_string(published)} as {PREVIOUS} (read_only)")
    try:
        table = f"{PREVIOUS}.{RAW_SCHEMA}.history_build"
        if not _table_exists(con, PREVIOUS, f"{RAW_SCHEMA}.history_build"):
            return None
        if "cluster_tables_written_by" not in column_types(con, table):
            return None
        return con.execute(f"select cluster_tables_written_by from {table}").fetchone()[0]
    finally:
        con.execute(f"detach {PREVIOUS}")


def _outlook_sums_extendable(
    con: duckdb.DuckDBPyConnection, settings: PyramidSettings, as_of_date, sales
) -> bool:
    """The stored outlook sums (int_outlook_customer_sums) may be moved forward to `as_of_date` by the days
    that enter and leave their cutoffs: taken with this window and horizon, as of this date or before, and no
    sales line appended for a day on or before their as-of date (they are in the stored sums)."""
    if as_of_date is None or not _table_exists(con, "main", OUTLOOK_SUMS_TABLE):
        return False
    windows, horizons, stored_as_of = con.execute(
        "select list(distinct window_days), list(distinct horizon_days), max(as_of_date)"
        f" from {OUTLOOK_SUMS_TABLE}"
    ).fetchone()
    horizon = settings.outlook_days or settings.window_days
    if stored_as_of is None or windows != [settings.window_days] or horizons != [horizon]:
        return False
    changed_from = _changed_from(con) if sales == "appended" else None
    return stored_as_of <= as_of_date and (changed_from is None or changed_from > stored_as_of)


def _changed_from(con: duckdb.DuckDBPyConnection):
    """The earliest day of the newly appended sales lines (None when none were appended)."""
    return con.execute(f"select changed_from_date from {RAW_SCHEMA}.load_state").fetchone()[0]


# The dbt vars that only data tests read (no model): unit tests need not pin them.
CHECKED_FROM_VARS = ("history_checked_from", "daily_checked_from")


def checked_from_vars(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """The dbt vars that limit the uniqueness tests of the incremental tables to the rows this build wrote
    (the generic test unique_combination), as recorded with the build's decision."""
    written = con.execute(
        f"select history_written_from, daily_written_from from {RAW_SCHEMA}.history_build"
    ).fetchone()
    return {name: day and str(day) for name, day in zip(CHECKED_FROM_VARS, written, strict=True)}


def _table_exists(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> bool:
    schema, name = table.split(".")
    catalog_name = con.execute("select current_database()").fetchone()[0] if catalog == "main" else catalog
    return bool(
        con.execute(
            "select count(*) from duckdb_tables()"
            " where database_name = ? and schema_name = ? and table_name = ?",
            [catalog_name, schema, name],
        ).fetchone()[0]
    )


def _stored_signature(con: duckdb.DuckDBPyConnection) -> str | None:
    if not _table_exists(con, "main", f"{RAW_SCHEMA}.history_build"):
        return None
    return con.execute(f"select signature from {RAW_SCHEMA}.history_build").fetchone()[0]


def _read_stored(con: duckdb.DuckDBPyConnection) -> _Stored | None:
    """What the published history was built from; None when there is no usable history."""
    if not all(
        _table_exists(con, PREVIOUS, table)
        for table in (HISTORY_TABLE, f"{RAW_SCHEMA}.history_build", f"{RAW_SCHEMA}.sales")
    ):
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
    return _Stored(signature, (window_days, shares, period, keep_duplicates), as_of, last_start, periods)


def decide(
    con: duckdb.DuckDBPyConnection,
    stored: _Stored | None,
    settings: PyramidSettings,
    as_of_date,
    actions: dict[str, str] | None = None,
) -> HistoryDecision:
    """Compare the stored history's inputs with the newly loaded raw tables of `con`.

    Sales and customers the loader kept (or sales it only appended to, from the last stored period on) are
    unchanged without looking at them; otherwise their fingerprints are compared.
    """
    actions = actions or {}
    if stored is None:
        return HistoryDecision(False, "no stored history")
    if stored.signature != model_signature(settings.target):
        return HistoryDecision(False, "the history's SQL changed")
    if stored.settings != _settings_key(settings):
        return HistoryDecision(False, "window, tier shares, period or duplicate handling changed")
    if as_of_date is None or as_of_date < stored.as_of_date:
        return HistoryDecision(False, f"as-of date before the stored history's {stored.as_of_date}")
    last_start = stored.last_period_start
    sales = actions.get("sales")
    if sales == "landed" and _sales_fingerprint(con, "", last_start) != _sales_fingerprint(
        con, f"{PREVIOUS}.", last_start
    ):
        return HistoryDecision(False, f"sales before {last_start} changed")
    if actions.get("customers") != "kept" and _customers_fingerprint(
        con, "", last_start
    ) != _customers_fingerprint(con, f"{PREVIOUS}.", last_start):
        return HistoryDecision(False, f"customers known before {last_start} changed")
    changed_from = _changed_from(con) if sales == "appended" else None
    if changed_from is not None and changed_from < last_start:
        kept = con.execute(
            f"select count(distinct period_start) from {PREVIOUS}.{HISTORY_TABLE} where period_end < ?",
            [changed_from],
        ).fetchone()[0]
        return HistoryDecision(
            True,
            f"late sales lines: periods ending from {changed_from} on recomputed",
            kept,
            history_written_from=changed_from,
        )
    return HistoryDecision(
        True, f"from {last_start} on recomputed", stored.periods - 1, history_written_from=last_start
    )


def _sales_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, before) -> tuple:
    """Count and sum of line hashes of the sales before `before`, over typed values (text = Parquet)."""
    types = column_types(con, f"{catalog}{RAW_SCHEMA}.sales")
    day = date_value("order_date", types["order_date"], strict=False)
    line = ", ".join(
        [
            text_value("customer_id", types["customer_id"]),
            day,
            decimal_value("amount", types["amount"], strict=False),
        ]
    )
    return con.execute(
        f"select count(*), coalesce(sum(hash({line})::hugeint), 0) from {catalog}{RAW_SCHEMA}.sales"
        f" where {day} < cast(? as date)",
        [before],
    ).fetchone()


def _customers_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, before) -> tuple:
    """Count and sum of hashes of the customers known before `before` (later sign-ups change no period)."""
    types = column_types(con, f"{catalog}{RAW_SCHEMA}.customers")
    signup = date_value("signup_date", types["signup_date"], strict=False)
    line = ", ".join([text_value("customer_id", types["customer_id"]), signup])
    return con.execute(
        f"select count(*), coalesce(sum(hash({line})::hugeint), 0) from {catalog}{RAW_SCHEMA}.customers"
        f" where coalesce({signup}, date '0001-01-01') < cast(? as date)",
        [before],
    ).fetchone()


def _record(
    con: duckdb.DuckDBPyConnection,
    decision: HistoryDecision,
    settings: PyramidSettings,
    cluster_owner: str | None = None,
) -> None:
    """Keep what this build's history was computed from, for the next build's decision (and, on a cluster,
    the id this build wrote as the owner of the cluster's incremental tables)."""
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
            cast(? as boolean) as daily_sales_incremental,
            cast(? as varchar) as reason,
            cast(? as date) as history_written_from,
            cast(? as date) as daily_written_from,
            cast(? as boolean) as outlook_sums_incremental,
            cast(? as varchar) as cluster_tables_written_by
        """,
        [
            model_signature(settings.target),
            window_days,
            shares,
            period,
            keep_duplicates,
            decision.incremental,
            decision.daily_kept,
            decision.describe(),
            decision.history_written_from,
            decision.daily_written_from,
            decision.outlook_sums_kept,
            cluster_owner,
        ],
    )
