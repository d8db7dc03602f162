"""Who counts as active, inactive, prospect, suspect and rest, for an as-of date and a window.

The window's first and last day, a 30-day window and sales after the as-of date decide nothing outside two
models: they are dbt unit tests of `int_pyramid_parameters` and `int_customer_revenue`
(dbt_project/models/intermediate/_intermediate.yml), run by a build whenever their signature is new.
"""

import pytest

from orchestration.core.settings import PyramidSettings, SettingsError


def test_refunds(dataset):
    """Net revenue counts refunds; a refund alone makes nobody active.

    full_refund: +100 -100 in the window → active, revenue 0.
    over_refund: +30 -80 in the window → active, revenue -50 (ranks last).
    old_buyer: +70 before the window, -50 in it → inactive, window revenue -50.
    refund_only: -20 and never a purchase → prospect (a relationship, no purchase).
    buyer: +10 → active.
    """
    pyramid = dataset.sales(
        [
            ("full_refund", "2025-06-01", "100.00"),
            ("full_refund", "2025-06-05", "-100.00"),
            ("over_refund", "2025-06-01", "30.00"),
            ("over_refund", "2025-06-02", "-80.00"),
            ("old_buyer", "2024-01-01", "70.00"),
            ("old_buyer", "2025-03-01", "-50.00"),
            ("refund_only", "2025-03-01", "-20.00"),
            ("buyer", "2025-12-31", "10.00"),
        ]
    ).build(as_of_date="2025-12-31")
    assert pyramid.levels() == {
        "full_refund": "active",
        "over_refund": "active",
        "old_buyer": "inactive",
        "refund_only": "prospect",
        "buyer": "active",
    }
    ranks = pyramid.query("select customer_id, revenue from marts.customer_tiers order by revenue_rank")
    assert [(c, str(r)) for c, r in ranks] == [
        ("buyer", "10.00"),
        ("full_refund", "0.00"),
        ("over_refund", "-50.00"),
    ]
    summary = pyramid.summary()
    assert str(summary["inactive"][1]) == "-50.00"
    assert summary["prospect"][0] == 1
    lifetime = dict(pyramid.query("select customer_id, lifetime_revenue from marts.customers"))
    assert str(lifetime["old_buyer"]) == "20.00"
    # As of 2025-12-31 with 365 days, the window the marts report is 2025-01-01..2025-12-31.
    window = pyramid.query("select distinct window_start_date, as_of_date from marts.customer_activity")
    assert [(str(start), str(end)) for start, end in window] == [("2025-01-01", "2025-12-31")]


def test_as_of_defaults_to_the_latest_sale_and_rest_is_unknown_without_a_market_size(dataset):
    """No --as-of and no --market-population: as of the latest sale, 2025-03-15, and `rest` is unknown."""
    pyramid = dataset.sales([("a", "2024-01-01", "1"), ("b", "2025-03-15", "1")]).build()
    assert [str(d) for (d,) in pyramid.query("select distinct as_of_date from marts.pyramid_summary")] == [
        "2025-03-15"
    ]
    assert pyramid.levels() == {"a": "inactive", "b": "active"}
    assert pyramid.counts()["rest"] is None


def test_prospects_suspects_and_rest(dataset):
    """Each id is counted once, at its highest level.

    sales: a (active), b (inactive), g (active, a guest missing from customers).
    customers: a, b, p1, p2 (no purchase → prospects), late (signs up after the as-of date → not yet known).
    market: a, p1, s1, s2, s3, late → s1, s2, s3 and late are suspects.
    market_population 100 → rest = 100 - (2 active + 1 inactive + 2 prospects + 4 suspects) = 91.
    """
    pyramid = (
        dataset.sales([("a", "2025-06-01", "10"), ("b", "2023-06-01", "10"), ("g", "2025-06-02", "5")])
        .customers(
            [("a", "2020-01-01"), ("b", ""), ("p1", "2021-01-01"), ("p2", ""), ("late", "2026-01-01")],
            header=("customer_id", "signup_date"),
        )
        .market([("a",), ("p1",), ("s1",), ("s2",), ("s3",), ("late",)])
        .build(as_of_date="2025-12-31", market_population=100)
    )
    counts = pyramid.counts()
    assert counts == {
        "top": 0,
        "big": 0,
        "medium": 0,
        "small": 2,
        "inactive": 1,
        "prospect": 2,
        "suspect": 4,
        "rest": 91,
    }
    assert sum(counts.values()) == 100
    assert pyramid.levels() == {
        "a": "active",
        "b": "inactive",
        "g": "active",
        "p1": "prospect",
        "p2": "prospect",
    }


def test_market_population_smaller_than_known_is_a_clear_error(dataset):
    """2 customers and 2 others in the market list: a market of 3 is refused right after landing (exit 2, a
    bad setting), before any model runs and without a build folder."""
    dataset.sales([("a", "2025-06-01", "10"), ("b", "2025-06-01", "10")]).market([("s1",), ("s2",)])
    result = dataset.cli("--market-population", "3")
    assert result.returncode == 2
    assert (
        "--market-population 3 is smaller than the 4 people the inputs already name by 2025-06-01"
        " (customers, prospects and the market list); give at least 4" in result.stderr
    )
    assert not list(dataset.warehouse_dir.glob(".build/*"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"window_days": 0}, "--window-days must be at least 1"),
        ({"market_population": -1}, "--market-population must not be negative"),
        ({"tier_shares": (1, 4, 15, 81)}, "--tier-shares must sum to 100"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(SettingsError, match=message):
        PyramidSettings(**settings)
