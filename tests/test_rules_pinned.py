"""Rules pinned by hand-computed numbers on one small dataset, built twice (weekly and monthly periods).

The as-of date is the latest sale, Monday 2025-06-30; the activity window is 10 days, so the window of a day E
is E - 9 .. E (E - 10 is out). Weeks run Monday to Sunday.

| customer | lines | at D = 06-30 (window 06-21..06-30) |
| --- | --- | --- |
| C10 | 06-25 100.00 | active, ties C9 at 100.00 and ranks first ('C10' < 'C9' as text) |
| C9 | 06-30 100.00 | active, rank 2 |
| C2 | 05-10 20.00, 06-21 50.00 (the window's first day); wallet 3,650.00 | active, rank 3, 50.00 |
| C3 | 06-20 60.00 (D - 10: just out) | inactive |
| C5 | 06-19 40.00 | inactive |
| J | 06-05 30.00 | inactive |
| P0 | 06-25 0.00 only | prospect |
| S1 | signup 06-30 (the as-of date itself), no sale | prospect |
| S2 | signup 07-01 (after D) | not known |
| M1, M2 | market list | suspects; market 10 = 8 known + 2 suspects: rest 0 |

N = 3 with shares 1/4/15/80: b = round(0.03) = 0, round(0.15) = 0, round(0.6) = 1: C10 medium (100.00); C9 and
C2 small (150.00, min 50.00, max 100.00, average 75.00); no top or big.
"""

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import Dataset, Pyramid, write_csv

D = dt.date(2025, 6, 30)
SALES = [
    ("C10", "2025-06-25", "100.00"),
    ("C9", "2025-06-30", "100.00"),
    ("C2", "2025-05-10", "20.00"),
    ("C2", "2025-06-21", "50.00"),
    ("C3", "2025-06-20", "60.00"),
    ("C5", "2025-06-19", "40.00"),
    ("J", "2025-06-05", "30.00"),
    ("P0", "2025-06-25", "0.00"),
]
CUSTOMERS = [("C2", "2025-01-01", "3650.00"), ("S1", "2025-06-30", ""), ("S2", "2025-07-01", "")]
COMPLAINTS = [
    # Resolved exactly 72 hours later: not slow (slow is more than 72 hours).
    ("k1", "C9", "2025-06-25 09:00:00", "2025-06-28 09:00:00"),
    # 73 hours: slow.
    ("k2", "C9", "2025-06-25 09:00:00", "2025-06-28 10:00:00"),
    # Opened 06-10, before the window: not counted.
    ("k3", "C10", "2025-06-10 09:00:00", "2025-06-10 10:00:00"),
]


def _dataset(root) -> Dataset:
    dataset = Dataset(root).sales(SALES)
    dataset.customers(CUSTOMERS, header=("customer_id", "signup_date", "estimated_annual_wallet"))
    dataset.market([("M1",), ("M2",), ("C9",)])
    write_csv(
        dataset.input_dir / "complaints.csv",
        ("complaint_id", "customer_id", "opened_at", "resolved_at"),
        COMPLAINTS,
    )
    return dataset


@pytest.fixture(scope="module")
def weekly(tmp_path_factory) -> Pyramid:
    return _dataset(tmp_path_factory.mktemp("weekly")).build(
        window_days=10, history_period="week", market_population=10
    )


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> Pyramid:
    return _dataset(tmp_path_factory.mktemp("monthly")).build(
        window_days=10, history_period="month", market_population=10
    )


def test_the_pyramid_ties_prospects_market_and_minimum_and_maximum(weekly):
    assert weekly.query("select distinct as_of_date from marts.pyramid_summary") == [(D,)]
    assert weekly.tiers() == {"C10": "medium", "C9": "small", "C2": "small"}
    rows = weekly.query(
        "select level, customers, revenue, min_revenue, max_revenue, avg_revenue"
        " from marts.pyramid_summary order by level_order"
    )
    assert rows == [
        ("top", 0, Decimal("0.00"), None, None, None),
        ("big", 0, Decimal("0.00"), None, None, None),
        ("medium", 1, Decimal("100.00"), Decimal("100.00"), Decimal("100.00"), Decimal("100.00")),
        ("small", 2, Decimal("150.00"), Decimal("50.00"), Decimal("100.00"), Decimal("75.00")),
        ("inactive", 3, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        ("prospect", 2, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        ("suspect", 2, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        ("rest", 0, Decimal("0.00"), None, None, None),
    ]
    assert weekly.levels() == {
        "C10": "active",
        "C9": "active",
        "C2": "active",
        "C3": "inactive",
        "C5": "inactive",
        "J": "inactive",
        "P0": "prospect",
        "S1": "prospect",
    }


def test_orders_per_year_and_share_of_wallet_are_annualised(weekly):
    """C2: 1 order in a 10-day window is 1 x 365 / 10 = 36.50 a year; 50.00 in 10 days against a wallet of
    3,650.00 a year is 50 x 365 / (3,650 x 10) = 0.5000 (not 50 / 3,650 = 0.0137)."""
    assert weekly.query(
        "select orders, orders_per_year, share_of_wallet from marts.customer_performance"
        " where customer_id = 'C2'"
    ) == [(1, Decimal("36.50"), Decimal("0.5000"))]


def test_complaints_slow_only_beyond_72_hours_and_only_inside_the_window(weekly):
    assert weekly.query(
        "select customer_id, complaints, slow_complaints from marts.customer_performance"
        " where customer_id in ('C9', 'C10') order by 1"
    ) == [("C10", 0, 0), ("C9", 2, 1)]


def test_an_earlier_period_takes_its_own_window_edge(weekly):
    """Week 06-23..06-29 (window 06-20..06-29): C10 100.00 medium, C3 60.00 and C2 50.00 small; C5's sale on
    06-19 is 10 days before the period's end: out, so C5 is inactive there. Week 06-16..06-22 (window
    06-13..06-22): C3 60.00 medium, C2 50.00 and C5 40.00 small."""
    rows = weekly.query(
        "select period_start, customer_id, level, tier, window_revenue from marts.customer_tier_history"
        " where period_start in ('2025-06-16', '2025-06-23') and level in ('active', 'inactive')"
        " order by period_start, customer_id"
    )
    june_16, june_23 = dt.date(2025, 6, 16), dt.date(2025, 6, 23)
    assert rows == [
        (june_16, "C2", "active", "small", Decimal("50.00")),
        (june_16, "C3", "active", "medium", Decimal("60.00")),
        (june_16, "C5", "active", "small", Decimal("40.00")),
        (june_16, "J", "inactive", None, Decimal("0.00")),
        (june_23, "C10", "active", "medium", Decimal("100.00")),
        (june_23, "C2", "active", "small", Decimal("50.00")),
        (june_23, "C3", "active", "small", Decimal("60.00")),
        (june_23, "C5", "inactive", None, Decimal("0.00")),
        (june_23, "J", "inactive", None, Decimal("0.00")),
    ]


def test_weekly_migration(weekly):
    """06-16 → 06-23: C5 small → inactive (lapsed), C3 medium → small (downgraded), C2 stayed small, C10 new
    (medium), J stayed inactive, P0 joined as a prospect. 06-23 → 06-30: C3 lapsed, C9 new, S1 joined (signed
    up on the as-of date), the rest stayed."""
    rows = weekly.query(
        "select period_start, movement, sum(customers) from marts.tier_migration"
        " where period_start in ('2025-06-23', '2025-06-30') group by all order by all"
    )
    june_23, june_30 = dt.date(2025, 6, 23), dt.date(2025, 6, 30)
    assert rows == [
        (june_23, "downgraded", 1),
        (june_23, "joined", 1),
        (june_23, "lapsed", 1),
        (june_23, "new", 1),
        (june_23, "stayed", 2),
        (june_30, "joined", 1),
        (june_30, "lapsed", 1),
        (june_30, "new", 1),
        (june_30, "stayed", 5),
    ]


def test_revenue_retention_is_now_over_then(weekly):
    """Small tier of week 06-23: C3 (60.00) and C2 (50.00), 110.00 then; on 06-30 C3 has lapsed (0.00) and C2
    still brings 50.00: revenue retention 50 / 110 = 0.454545, customer retention 1 / 2."""
    assert weekly.query(
        "select customers, retained_customers, customer_retention_rate, revenue_then, revenue_now,"
        " revenue_retention from marts.tier_retention where period_start = '2025-06-23' and tier = 'small'"
    ) == [(2, 1, Decimal("0.500000"), Decimal("110.00"), Decimal("50.00"), Decimal("0.454545"))]


def test_monthly_migration_joins_into_inactive(monthly):
    """May (window 05-22..05-31): C2 (05-10) is inactive, S1 and S2 not signed up. June (as of 06-30): C3, C5
    and J bought in June but not in the window, so they come from none straight into inactive (joined), with
    P0 and S1 as prospects; C2 reactivated; C9 and C10 new."""
    rows = monthly.query(
        "select from_level, to_level, movement, customers from marts.tier_migration"
        " where period_start = '2025-06-01' order by from_level_order, to_level_order"
    )
    assert rows == [
        ("inactive", "small", "reactivated", 1),
        ("none", "medium", "new", 1),
        ("none", "small", "new", 1),
        ("none", "inactive", "joined", 3),
        ("none", "prospect", "joined", 2),
    ]
