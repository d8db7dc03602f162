"""Is the sales feed late? One rule for `pyramid run`'s warning line and Dagster's check `sales_feed_fresh`.

dbt's `dbt source freshness` states the same rule in the sales source (models/staging/_staging.yml): the feed
is complete through the end of its newest order_date, and its age is counted in whole days from there to
today (UTC). More than `freshness_warn_after_days` old: late (a warning); more than
`freshness_error_after_days`: stale (an error). A feed whose newest sale is yesterday is 1 day old.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FRESH, LATE, STALE = "fresh", "late", "stale"


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class FeedFreshness:
    newest_order_date: dt.date
    today: dt.date
    warn_after_days: int
    error_after_days: int

    @property
    def age_days(self) -> int:
        return (self.today - self.newest_order_date).days

    @property
    def state(self) -> str:
        if self.age_days > self.error_after_days:
            return STALE
        if self.age_days > self.warn_after_days:
            return LATE
        return FRESH

    def describe(self) -> str:
        """One line: the newest sale, its age, and the verdict with the threshold it passed."""
        age = f"its newest sale, {self.newest_order_date}, is {_days(self.age_days)} old on {self.today} (UTC"
        if self.state == STALE:
            return f"the sales feed is stale: {age}; stale after {_days(self.error_after_days)})"
        if self.state == LATE:
            return f"the sales feed is late: {age}; late after {_days(self.warn_after_days)})"
        return f"the sales feed is fresh: {age})"


def feed_freshness(newest_order_date: dt.date, settings, today: dt.date | None = None) -> FeedFreshness:
    """The freshness of a feed whose newest sale is `newest_order_date`, by the settings' thresholds."""
    return FeedFreshness(
        newest_order_date,
        today or today_utc(),
        settings.freshness_warn_after_days,
        settings.freshness_error_after_days,
    )


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"
