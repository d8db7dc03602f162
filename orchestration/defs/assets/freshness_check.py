"""Dagster's view of the sales feed's freshness: a check on raw_sales, by the rule of freshness.py.

It reads the newest order_date from the latest materialization of raw_sales, so it runs in every build (after
the landing) and alone from the asset's Checks tab, at any time, without touching the warehouse. It never
stops a run: a late feed still makes a correct pyramid of an older day. Its severity says how late: WARN past
`freshness_warn_after_days`, ERROR past `freshness_error_after_days`. (Dagster's own freshness policies and
`build_last_update_freshness_checks` measure when an asset was last materialized; a daily run materializes
raw_sales even when no new sale arrived, so they would call a stopped feed fresh.)
"""

import datetime as dt

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from orchestration.defs.assets.raw_inputs import NEWEST_SALE_METADATA
from orchestration.defs.resources import PyramidResource
from orchestration.land.freshness import FRESH, STALE, feed_freshness

FRESHNESS_CHECK = "sales_feed_fresh"


@asset_check(
    asset="raw_sales",
    name=FRESHNESS_CHECK,
    description="The newest sale is recent: WARN when older than freshness_warn_after_days (default 3), ERROR"
    " when older than freshness_error_after_days (default 7), counted in whole days from the end of its day.",
)
def sales_feed_fresh(context: AssetCheckExecutionContext, pyramid: PyramidResource) -> AssetCheckResult:
    event = context.instance.get_latest_materialization_event(AssetKey("raw_sales"))
    metadata = event.asset_materialization.metadata if event and event.asset_materialization else {}
    newest = metadata.get(NEWEST_SALE_METADATA)
    if newest is None or newest.value in {None, "None"}:
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description="no sales landed yet: the feed's freshness is unknown",
        )
    freshness = feed_freshness(dt.date.fromisoformat(newest.value), pyramid.settings())
    return AssetCheckResult(
        passed=freshness.state == FRESH,
        severity=AssetCheckSeverity.ERROR if freshness.state == STALE else AssetCheckSeverity.WARN,
        description=freshness.describe(),
        metadata={
            "newest_order_date": str(freshness.newest_order_date),
            "age_days": freshness.age_days,
            "warn_after_days": freshness.warn_after_days,
            "error_after_days": freshness.error_after_days,
            "state": freshness.state,
        },
    )
