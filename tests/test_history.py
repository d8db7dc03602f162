"""Tier history, migration and retention on a hand-computed six-month story.

Settings: monthly periods, a 28-day window (so a month end's window is the last 28 days of that month) and
tier shares 25/25/25/25, so N = 4 active customers give one customer per tier (b = 1, 2, 3) and N = 3 give
top 1, big 1, medium 0, small 1 (b = round(0.75) = 1, round(1.5) = 2, round(2.25) = 2).

Purchases (one per month, mid-month) and the standing at each month end:

    customer      Jan        Feb        Mar        Apr        May        Jun
    f1            300 top    300 big    300 big    300 top    300 big    300 top
    f2            200 big    200 medium 200 medium 200 medium 200 medium 150 big    (tie with f3: id order)
    f3            100 medium 100 small  100 small  100 small  100 small  150 small
    climber        50 small 1000 top    - inactive 250 big    - inactive - inactive
    guest         -          -          400 top    - inactive - inactive - inactive
    prospect_p    prospect   prospect   prospect   prospect   500 top    - inactive  (signed up Jan 15)
    late_signup   -          -          -          -          prospect   prospect    (signed up May 10)
"""

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import Dataset

SETTINGS = {"window_days": 28, "tier_shares": tuple(Decimal(25) for _ in range(4))}
MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
FILLERS = {"f1": [300] * 6, "f2": [200] * 5 + [150], "f3": [100] * 5 + [150]}
ONE_OFF = [
    ("climber", "2025-01-15", 50),
    ("climber", "2025-02-15", 1000),
    ("climber", "2025-04-15", 250),
    ("guest", "2025-03-20", 400),
    ("prospect_p", "2025-05-15", 500),
]
CUSTOMERS = [("prospect_p", "2025-01-15"), ("late_signup", "2025-05-10"), ("f1", ""), ("f2", ""), ("f3", "")]

STANDINGS = {
    "2025-01": {"f1": "top", "f2": "big", "f3": "medium", "climber": "small", "prospect_p": "prospect"},
    "2025-02": {"f1": "big", "f2": "medium", "f3": "small", "climber": "top", "prospect_p": "prospect"},
    "2025-03": {
        "f1": "big",
        "f2": "medium",
        "f3": "small",
        "climber": "inactive",
        "guest": "top",
        "prospect_p": "prospect",
    },
    "2025-04": {
        "f1": "top",
        "f2": "medium",
        "f3": "small",
        "climber": "big",
        "guest": "inactive",
        "prospect_p": "prospect",
    },
    "2025-05": {
        "f1": "big",
        "f2": "medium",
        "f3": "small",
        "climber": "inactive",
        "guest": "inactive",
        "prospect_p": "top",
        "late_signup": "prospect",
    },
    "2025-06": {
        "f1": "top",
        "f2": "big",
        "f3": "small",
        "climber": "inactive",
        "guest": "inactive",
        "prospect_p": "inactive",
        "late_signup": "prospect",
    },
}

# (month, customer) → (from, to, movement) for every customer of the later month.
MOVES = {
    "2025-02": {
        "f1": ("top", "big", "downgraded"),
        "f2": ("big", "medium", "downgraded"),
        "f3": ("medium", "small", "downgraded"),
        "climber": ("small", "top", "upgraded"),
        "prospect_p": ("prospect", "prospect", "stayed"),
    },
    "2025-03": {
        "climber": ("top", "inactive", "lapsed"),
        "guest": ("none", "top", "new"),
    },
    "2025-04": {
        "climber": ("inactive", "big", "reactivated"),
        "guest": ("top", "inactive", "lapsed"),
        "f1": ("big", "top", "upgraded"),
    },
    "2025-05": {
        "climber": ("big", "inactive", "lapsed"),
        "prospect_p": ("prospect", "top", "new"),
        "f1": ("top", "big", "downgraded"),
        "late_signup": ("none", "prospect", "joined"),
    },
    "2025-06": {
        "f1": ("big", "top", "upgraded"),
        "f2": ("medium", "big", "upgraded"),
        "prospect_p": ("top", "inactive", "lapsed"),
    },
}


def write_story(dataset: Dataset, *, climber_february: int = 1000) -> Dataset:
    rows = [
        (customer, f"{month}-14", amounts[index])
        for customer, amounts in FILLERS.items()
        for index, month in enumerate(MONTHS)
    ]
    rows += [
        (customer, day, climber_february if (customer, day) == ("climber", "2025-02-15") else amount)
        for customer, day, amount in ONE_OFF
    ]
    dataset.sales(rows)
    dataset.customers(CUSTOMERS, header=("customer_id", "signup_date"))
    return dataset


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    dataset = write_story(Dataset(tmp_path_factory.mktemp("story")))
    return dataset.build(as_of_date="2025-06-30", **SETTINGS)


def test_history_has_every_standing(story):
    rows = story.query(
        "select strftime(period_start, '%Y-%m'), customer_id, pyramid_level from marts.customer_tier_history"
    )
    found: dict[str, dict[str, str]] = {}
    for month, customer, level in rows:
        found.setdefault(month, {})[customer] = level
    assert found == STANDINGS
    ends = story.query(
        "select distinct period_end, as_of_date, is_period_closed from marts.customer_tier_history"
        " order by period_end"
    )
    assert [str(end) for end, _, _ in ends] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
        "2025-05-31",
        "2025-06-30",
    ]
    assert all(end == as_of and closed for end, as_of, closed in ends)


def test_history_window_revenue(story):
    revenue = dict(
        story.query(
            "select strftime(period_start, '%Y-%m') || ' ' || customer_id, window_revenue"
            " from marts.customer_tier_history where customer_id = 'climber'"
        )
    )
    assert revenue == {
        "2025-01 climber": Decimal("50.00"),
        "2025-02 climber": Decimal("1000.00"),
        "2025-03 climber": Decimal("0.00"),
        "2025-04 climber": Decimal("250.00"),
        "2025-05 climber": Decimal("0.00"),
        "2025-06 climber": Decimal("0.00"),
    }


def test_latest_period_equals_the_current_pyramid(story):
    mismatches = story.query(
        """
        select coalesce(h.customer_id, c.customer_id)
        from (select * from marts.customer_tier_history where period_start = '2025-06-01') as h
        full outer join marts.customers as c on h.customer_id = c.customer_id
        left join marts.customer_activity as a on c.customer_id = a.customer_id
        where h.customer_id is null or c.customer_id is null or h.level != c.level
            or h.tier is distinct from c.tier or h.window_revenue != a.window_revenue
        """
    )
    assert mismatches == []


def test_migration_names_every_move(story):
    rows = story.query(
        "select strftime(period_start, '%Y-%m'), from_level, to_level, movement, customers"
        " from marts.tier_migration"
    )
    for month, moves in MOVES.items():
        earlier = MONTHS[MONTHS.index(month) - 1]
        expected: dict[tuple[str, str, str], int] = {}
        for customer, level in STANDINGS[month].items():
            source = STANDINGS[earlier].get(customer, "none")
            move = moves.get(customer)
            if move:
                assert move[:2] == (source, level), f"{month} {customer}: the story table disagrees"
            movement = move[2] if move else "stayed"
            expected[(source, level, movement)] = expected.get((source, level, movement), 0) + 1
        found = {(f, t, m): n for mo, f, t, m, n in rows if mo == month}
        assert found == expected, month
    assert not [row for row in rows if row[0] == "2025-01"], "the first period has nothing to move from"


def test_migration_revenue_then_and_now(story):
    rows = story.query(
        "select revenue_then, revenue_now from marts.tier_migration"
        " where period_start = '2025-02-01' and from_level = 'small' and to_level = 'top'"
    )
    assert rows == [(Decimal("50.00"), Decimal("1000.00"))]


def test_retention_by_tier(story):
    rows = {
        (str(period)[:7], tier): (customers, retained, rate, lapsed, days)
        for period, tier, customers, retained, rate, lapsed, days in story.query(
            "select period_start, tier, customers, retained_customers, customer_retention_rate,"
            " lapsed_since, avg_days_to_lapse from marts.tier_retention"
        )
    }
    # climber was top in February and inactive at March 31: 31 days after February 28.
    assert rows[("2025-02", "top")] == (1, 0, Decimal("0E-6"), 1, Decimal("31.0"))
    # guest: top in March, inactive at April 30 (30 days later).
    assert rows[("2025-03", "top")] == (1, 0, Decimal("0E-6"), 1, Decimal("30.0"))
    # f1 was top in January and stays active all along.
    assert rows[("2025-01", "top")] == (1, 1, Decimal("1.000000"), 0, None)
    # climber, small in January, lapses at March 31: 59 days after January 31.
    assert rows[("2025-01", "small")] == (1, 1, Decimal("1.000000"), 1, Decimal("59.0"))
    assert not [key for key in rows if key[0] == "2025-06"], "nothing follows the latest period yet"
    assert ("2025-06", "medium") not in rows


def test_revenue_concentration_and_curve(story):
    june = story.query(
        "select tier, customers, revenue, share_of_revenue from marts.revenue_concentration"
        " where is_latest_period order by tier_order"
    )
    assert june == [
        ("top", 1, Decimal("300.00"), Decimal("0.500000")),
        ("big", 1, Decimal("150.00"), Decimal("0.250000")),
        ("small", 1, Decimal("150.00"), Decimal("0.250000")),
    ]
    curve = story.query(
        "select customer_percent, customers, cumulative_revenue_share from marts.revenue_curve"
        " where is_latest_period order by customer_percent"
    )
    # N = 3: ranks 1, 2, 3 fall in percents 34, 67 and 100.
    assert curve == [
        (34, 1, Decimal("0.500000")),
        (67, 2, Decimal("0.750000")),
        (100, 3, Decimal("1.000000")),
    ]


@pytest.mark.slow
def test_running_period_then_incremental_run_equals_a_full_build(tmp_path):
    dataset = write_story(Dataset(tmp_path / "incremental"))
    running = dataset.build(as_of_date="2025-06-15", **SETTINGS)
    june = running.query(
        "select distinct period_end, as_of_date, is_period_closed from marts.customer_tier_history"
        " where period_start = '2025-06-01'"
    )
    assert june == [(dt.date(2025, 6, 30), dt.date(2025, 6, 15), False)]
    incremental = dataset.build(as_of_date="2025-06-30", **SETTINGS)
    assert incremental.query("select incremental, reason from raw.history_build") == [
        (
            True,
            "incremental: 5 stored periods kept (from 2025-06-01 on recomputed); daily sales: only new days",
        )
    ]
    full = write_story(Dataset(tmp_path / "full")).build(as_of_date="2025-06-30", **SETTINGS)
    assert full.query("select incremental from raw.history_build") == [(False,)]
    for table in ("customer_tier_history", "tier_migration", "tier_retention", "revenue_curve"):
        assert sorted(incremental.query(f"select * from marts.{table}")) == sorted(
            full.query(f"select * from marts.{table}")
        ), table


@pytest.mark.slow
def test_late_correction_rebuilds_the_history(tmp_path):
    dataset = write_story(Dataset(tmp_path / "late"))
    dataset.build(as_of_date="2025-05-31", **SETTINGS)
    corrected = write_story(dataset, climber_february=10).build(as_of_date="2025-06-30", **SETTINGS)
    assert corrected.query("select incremental, reason from raw.history_build") == [
        (False, "full rebuild (sales before 2025-05-01 changed); daily sales: full build")
    ]
    february = corrected.query(
        "select pyramid_level, window_revenue from marts.customer_tier_history"
        " where customer_id = 'climber' and period_start = '2025-02-01'"
    )
    assert february == [("small", Decimal("10.00"))]


@pytest.mark.slow
def test_changed_window_rebuilds_the_history(tmp_path):
    dataset = write_story(Dataset(tmp_path / "window"))
    dataset.build(as_of_date="2025-05-31", **SETTINGS)
    rebuilt = dataset.build(as_of_date="2025-06-30", window_days=60, tier_shares=SETTINGS["tier_shares"])
    assert rebuilt.query("select incremental, reason from raw.history_build") == [
        (
            False,
            "full rebuild (window, tier shares, period or duplicate handling changed);"
            " daily sales: only new days",
        )
    ]
    assert rebuilt.query(
        "select level from marts.customer_tier_history"
        " where customer_id = 'climber' and period_start = '2025-03-01'"
    ) == [("active",)]


def test_quarterly_periods(tmp_path):
    pyramid = write_story(Dataset(tmp_path / "quarter")).build(
        as_of_date="2025-06-30", history_period="quarter", **SETTINGS
    )
    periods = pyramid.query("select distinct period_start, period_end from marts.customer_tier_history")
    assert sorted(periods) == [
        (dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
        (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
    ]
    march = dict(
        pyramid.query(
            "select customer_id, pyramid_level from marts.customer_tier_history"
            " where period_start = '2025-01-01'"
        )
    )
    assert march == STANDINGS["2025-03"]
