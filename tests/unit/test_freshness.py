"""The sales feed's freshness: one rule (orchestration/land/freshness.py) with its thresholds."""

import datetime as dt

import pytest

from orchestration.core.settings import PyramidSettings, SettingsError
from orchestration.land.freshness import FRESH, LATE, STALE, feed_freshness

TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("newest", "state"),
    [
        # Defaults: late after 3 days, stale after 7, counted from the end of the newest day.
        ("2026-12-02", FRESH),  # 0 days: sales of today already in
        ("2026-12-01", FRESH),  # 1 day: yesterday's sales, the daily schedule's normal case
        ("2026-11-29", FRESH),  # 3 days: a weekend passed
        ("2026-11-28", LATE),  # 4 days > 3
        ("2026-11-25", LATE),  # 7 days, not more than 7
        ("2026-11-24", STALE),  # 8 days > 7
        ("2026-10-31", STALE),  # the demo on this date: 30 days of November + 2 = 32 days
    ],
)
def test_the_feed_is_late_after_the_warning_days_and_stale_after_the_error_days(newest, state):
    freshness = feed_freshness(dt.date.fromisoformat(newest), PyramidSettings(), today=TODAY)
    assert freshness.state == state
    assert freshness.age_days == (TODAY - dt.date.fromisoformat(newest)).days


def test_the_freshness_line_says_how_old_the_newest_sale_is_and_which_threshold_it_passed():
    settings = PyramidSettings(freshness_warn_after_days=0, freshness_error_after_days=30)
    assert feed_freshness(dt.date(2026, 12, 1), settings, today=TODAY).describe() == (
        "the sales feed is late: its newest sale, 2026-12-01, is 1 day old on 2026-12-02"
        " (UTC; late after 0 days)"
    )
    assert feed_freshness(dt.date(2026, 10, 31), settings, today=TODAY).describe() == (
        "the sales feed is stale: its newest sale, 2026-10-31, is 32 days old on 2026-12-02"
        " (UTC; stale after 30 days)"
    )
    with pytest.raises(SettingsError, match="the warning no later than the error; got 8 and 7"):
        PyramidSettings(freshness_warn_after_days=8)
