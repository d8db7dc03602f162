"""Monthly partitions by as-of date: a month's pyramid is built as of its last day (or yesterday, while the
month is still running), so a backfill over past months builds the history that tier migration reads."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from dagster import MonthlyPartitionsDefinition

SCHEDULE_TIMEZONE = os.environ.get("PYRAMID_SCHEDULE_TIMEZONE", "UTC")
PARTITIONS_START = os.environ.get("PYRAMID_PARTITIONS_START", "2020-01-01")

as_of_months = MonthlyPartitionsDefinition(
    start_date=PARTITIONS_START, end_offset=1, timezone=SCHEDULE_TIMEZONE
)


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
