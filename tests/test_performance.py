"""The performance factors (value, behaviour, satisfaction) on hand-computed data, with and without the
optional inputs, and the checks on those inputs."""

from decimal import Decimal

import pytest

from tests.conftest import write_csv

SALES_HEADER = ("order_id", "customer_id", "order_date", "amount", "cost")
SALES = [
    ("o1", "a", "2025-03-01", "100.00", "60.00"),
    ("o2", "a", "2025-06-01", "300.00", "150.00"),
    ("o3", "b", "2025-12-01", "50.00", ""),
    ("o0", "a", "2024-01-01", "80.00", "40.00"),  # before the window
]
CUSTOMERS = [("a", "1600"), ("b", ""), ("p", "1000")]
FEEDBACK = [("a", "2025-05-01", "4"), ("a", "2025-09-01", "2"), ("a", "2024-01-01", "5")]
COMPLAINTS = [
    ("q1", "a", "2025-06-02 08:00", "2025-06-02 20:00"),  # 12 hours: fast
    ("q2", "a", "2025-07-01 00:00", "2025-07-05 00:00"),  # 96 hours: slow
    ("q3", "b", "2025-12-30 12:00", ""),  # open 36 hours at the end of the as-of date: not slow yet
]


@pytest.fixture(scope="module")
def performance(tmp_path_factory):
    from tests.conftest import Dataset

    dataset = Dataset(tmp_path_factory.mktemp("performance"))
    dataset.sales(SALES, header=SALES_HEADER)
    dataset.customers(CUSTOMERS, header=("customer_id", "estimated_annual_wallet"))
    write_csv(dataset.input_dir / "feedback.csv", ("customer_id", "response_date", "score"), FEEDBACK)
    write_csv(
        dataset.input_dir / "complaints.csv",
        ("complaint_id", "customer_id", "opened_at", "resolved_at"),
        COMPLAINTS,
    )
    return dataset.build(as_of_date="2025-12-31")


def customer_row(pyramid, customer_id: str) -> dict:
    with_names = pyramid.query(
        f"select * from marts.customer_performance where customer_id = '{customer_id}'"
    )
    names = [
        row[0]
        for row in pyramid.query(
            "select column_name from information_schema.columns "
            "where table_name = 'customer_performance' order by ordinal_position"
        )
    ]
    return dict(zip(names, with_names[0], strict=True))


def test_value_and_behaviour(performance):
    a = customer_row(performance, "a")
    assert a["revenue"] == Decimal("400.00")
    assert a["gross_margin"] == Decimal("190.00")
    assert a["gross_margin_rate"] == Decimal("0.4750")
    assert a["orders"] == 2
    assert a["avg_order_value"] == Decimal("200.00")
    assert a["orders_per_year"] == Decimal("2.00")
    assert a["days_since_last_order"] == 213  # 2025-06-01 → 2025-12-31
    assert a["tenure_days"] == 730  # first purchase 2024-01-01
    assert a["share_of_wallet"] == Decimal("0.2500")  # 400 a year of a 1,600 wallet


def test_missing_cost_or_wallet_gives_null(performance):
    b = customer_row(performance, "b")
    assert b["revenue"] == Decimal("50.00")
    assert b["gross_margin"] is None  # its line carries no cost
    assert b["share_of_wallet"] is None  # no wallet estimate
    prospect = customer_row(performance, "p")
    assert prospect["level"] == "prospect"
    assert prospect["share_of_wallet"] == Decimal("0.0000")
    assert prospect["orders"] == 0 and prospect["avg_order_value"] is None


def test_satisfaction(performance):
    a = customer_row(performance, "a")
    assert (a["feedback_responses"], a["avg_feedback_score"]) == (2, Decimal("3.00"))
    assert (a["complaints"], a["open_complaints"], a["slow_complaints"]) == (2, 0, 1)
    assert a["median_hours_to_resolve"] == Decimal("54.0")
    b = customer_row(performance, "b")
    assert (b["feedback_responses"], b["avg_feedback_score"]) == (0, None)
    assert (b["complaints"], b["open_complaints"], b["slow_complaints"]) == (1, 1, 0)
    assert b["median_hours_to_resolve"] is None


def test_tier_performance(performance):
    rows = performance.query(
        "select pyramid_level, customers, revenue, gross_margin, gross_margin_rate, orders, complaints,"
        " complaints_per_100_customers, slow_complaint_share, median_hours_to_resolve"
        " from marts.tier_performance order by level_order"
    )
    assert [row[0] for row in rows] == ["top", "big", "medium", "small", "inactive", "prospect"]
    small = rows[3]
    # Two active customers: every boundary rounds to 0, both are small. Margin only where known (a).
    assert small == (
        "small",
        2,
        Decimal("450.00"),
        Decimal("190.00"),
        Decimal("0.4750"),
        3,
        3,
        Decimal("150.00"),
        Decimal("0.3333"),
        Decimal("54.0"),
    )
    assert rows[0][1:3] == (0, Decimal("0.00"))


def test_without_optional_inputs_the_columns_are_null(dataset):
    pyramid = dataset.sales([("a", "2025-03-01", "100.00")]).build(as_of_date="2025-12-31")
    a = customer_row(pyramid, "a")
    assert a["revenue"] == Decimal("100.00")
    for column in (
        "gross_margin",
        "gross_margin_rate",
        "estimated_annual_wallet",
        "share_of_wallet",
        "feedback_responses",
        "avg_feedback_score",
        "complaints",
        "slow_complaints",
    ):
        assert a[column] is None, column
    lapse = pyramid.query(
        "select complaint_experience, active_customer_periods from marts.complaint_lapse_rates"
    )
    assert [row[0] for row in lapse] == ["no complaint", "resolved fast", "slow or unresolved"]


def test_complaint_resolved_before_it_was_opened_is_refused(dataset):
    dataset.sales([("a", "2025-03-01", "100.00")])
    path = write_csv(
        dataset.input_dir / "complaints.csv",
        ("customer_id", "opened_at", "resolved_at"),
        [("a", "2025-03-02 10:00", "2025-03-02 12:00"), ("a", "2025-03-05 10:00", "2025-03-04 09:00")],
    )
    result = dataset.cli()
    assert result.returncode == 2
    assert (
        f"{path}: column resolved_at: row 2 (line 3) has '2025-03-04 09:00', before its opened_at"
        in result.stderr
    )


def test_feedback_score_must_be_a_number(dataset):
    dataset.sales([("a", "2025-03-01", "100.00")])
    path = write_csv(
        dataset.input_dir / "feedback.csv",
        ("customer_id", "response_date", "score"),
        [("a", "2025-03-02", "good")],
    )
    result = dataset.cli()
    assert result.returncode == 2
    assert f"{path}: column score: row 1 (line 2) has 'good', expected a number" in result.stderr
