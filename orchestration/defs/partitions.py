"""Monthly partitions by as-of date: a month's pyramid is built as of its last day (or yesterday, while the
month is still running), so a backfill over past months builds the history that tier migration reads.

The range never decides which dates a user may ask for. It starts at the earlier of PYRAMID_PARTITIONS_START
(default 2020-01) and the month of the first sale the published warehouse holds, so `dagster dev` offers a
backfill over the user's whole history once anything is published; and a one-off run for a date before it
(`pyramid run --as-of 1997-09-30`) runs the same job on a range that starts at its month (`covering`).
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import duckdb
from dagster import MonthlyPartitionsDefinition

from orchestration.core.settings import PyramidSettings, SettingsError
from orchestration.core.warehouse_files import serving_dir

SCHEDULE_TIMEZONE = os.environ.get("PYRAMID_SCHEDULE_TIMEZONE", "UTC")
CONFIGURED_START = dt.date.fromisoformat(os.environ.get("PYRAMID_PARTITIONS_START", "2020-01-01"))


def first_published_month(warehouse_dir) -> dt.date | None:
    """The month of the first sale in the published Parquet copy of marts.customers (no DuckDB file is
    opened: the webserver and the daemon load this module); None when nothing is published yet."""
    customers = serving_dir(warehouse_dir) / "current" / "customers.parquet"
    if not customers.exists():
        return None
    try:
        with duckdb.connect() as con:
            first = con.execute(
                "select min(first_order_date) from read_parquet(?)", [str(customers)]
            ).fetchone()[0]
    except duckdb.Error:  # being replaced, or of an older layout: the configured start will do
        return None
    return first.replace(day=1) if first else None


def monthly_from(start: dt.date) -> MonthlyPartitionsDefinition:
    return MonthlyPartitionsDefinition(
        start_date=start.replace(day=1).isoformat(), end_offset=1, timezone=SCHEDULE_TIMEZONE
    )


def _start() -> dt.date:
    try:
        published = first_published_month(PyramidSettings.resolve().warehouse_dir)
    except SettingsError:  # a bad PYRAMID_* variable: the run that reads it says so
        published = None
    return min(CONFIGURED_START, published or CONFIGURED_START)


as_of_months = monthly_from(_start())


def covers(partitions: MonthlyPartitionsDefinition, as_of_date: dt.date) -> bool:
    return partitions.has_partition_key(partition_for(as_of_date))


def current_partition() -> str:
    """The running month: where a run for the latest sale is filed (its month is known once it has landed)."""
    return as_of_months.get_partition_keys()[-1]


def month_end(partition_key: str) -> dt.date:
    first = dt.date.fromisoformat(partition_key)
    next_month = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


def as_of_for_partition(partition_key: str, today: dt.date | None = None) -> dt.date:
    """The month's last day, or yesterday when the month has not ended yet."""
    today = today or dt.datetime.now(ZoneInfo(SCHEDULE_TIMEZONE)).date()
    return min(month_end(partition_key), today - dt.timedelta(days=1))


def partition_for(as_of_date: dt.date) -> str:
    return as_of_date.replace(day=1).isoformat()
