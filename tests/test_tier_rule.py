"""The tier boundaries through whole builds: round-half-up(N x cumulative share) in exact decimals, ties by
customer_id, as they reach the marts (sums, ranks, percentiles, shares, the eight levels).

N = 7, N = 50 and configured shares 2/8/20/70 decide nothing outside the tier model: they are dbt unit tests
of `int_active_customers_ranked` (dbt_project/models/intermediate/_intermediate.yml), run by a build whenever
their signature is new (orchestration/build/unit_tests.py) and recorded once they pass.
"""

from decimal import Decimal

from orchestration.build.lineage import load_manifest, unit_test_signature
from orchestration.build.unit_tests import RECORD_DIR
from orchestration.core.settings import PyramidSettings

D = "2025-12-31"


def one_sale_each(revenues: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(customer, D, amount) for customer, amount in revenues.items()]


def test_thousand_active_customers_split_10_40_150_800(dataset):
    """Customer c0001..c1000 buys i + 0.25, in two lines (i and 0.25), so c1000 ranks first.

    top = c0991..c1000: sum(991..1000) + 10 x 0.25 = 9,955 + 2.50 = 9,957.50
    big = c0951..c0990: sum(951..990) + 40 x 0.25 = 38,820 + 10 = 38,830.00
    medium = c0801..c0950: sum(801..950) + 150 x 0.25 = 131,325 + 37.50 = 131,362.50
    small = c0001..c0800: sum(1..800) + 800 x 0.25 = 320,400 + 200 = 320,600.00
    """
    rows = []
    for i in range(1, 1001):
        rows += [(f"c{i:04d}", D, f"{i}.00"), (f"c{i:04d}", D, "0.25")]
    pyramid = dataset.sales(rows).build()
    summary = pyramid.summary()
    assert summary["top"] == (10, Decimal("9957.50"))
    assert summary["big"] == (40, Decimal("38830.00"))
    assert summary["medium"] == (150, Decimal("131362.50"))
    assert summary["small"] == (800, Decimal("320600.00"))
    assert summary["inactive"] == (0, Decimal("0.00"))
    tiers = pyramid.tiers()
    assert tiers["c1000"] == tiers["c0991"] == "top"
    assert tiers["c0990"] == tiers["c0951"] == "big"
    assert tiers["c0950"] == tiers["c0801"] == "medium"
    assert tiers["c0800"] == tiers["c0001"] == "small"
    shares = dict(pyramid.query("select level, share_of_active from marts.pyramid_summary"))
    assert shares["top"] == Decimal("0.010000")
    assert shares["small"] == Decimal("0.800000")
    top = pyramid.query(
        "select revenue_rank, revenue, revenue_percentile, typeof(revenue) "
        "from marts.customer_tiers where customer_id = 'c1000'"
    )
    assert top == [(1, Decimal("1000.25"), Decimal("99.9000"), "DECIMAL(38,2)")]
    last = pyramid.query(
        "select revenue_rank, cumulative_revenue_share from marts.customer_tiers where customer_id = 'c0001'"
    )
    assert last == [(1000, Decimal("1.000000"))]
    passed = unit_test_signature(load_manifest(), "duckdb", PyramidSettings().dbt_vars())
    assert (RECORD_DIR / passed).exists(), "a passing build records that the unit tests passed"


def test_tied_revenues_rank_by_customer_id(dataset):
    """Ten customers with 100.00 each, given in shuffled order.

    N = 10: round(0.1) = 0, round(0.5) = 1, round(2.0) = 2 → 0 top, c01 big, c02 medium, c03..c10 small.
    """
    ids = ["c07", "c02", "c10", "c01", "c05", "c03", "c09", "c04", "c08", "c06"]
    pyramid = dataset.sales([(c, D, "100.00") for c in ids]).build()
    ranks = dict(pyramid.query("select customer_id, revenue_rank from marts.customer_tiers"))
    assert ranks == {f"c{i:02d}": i for i in range(1, 11)}
    tiers = pyramid.tiers()
    assert tiers["c01"] == "big"
    assert tiers["c02"] == "medium"
    assert {tiers[f"c{i:02d}"] for i in range(3, 11)} == {"small"}
    assert pyramid.summary()["small"] == (8, Decimal("800.00"))


def test_no_active_customer_gives_empty_tiers_and_zero_levels(dataset):
    """All purchases are two years before the as-of date: N = 0, no error."""
    pyramid = dataset.sales([("a", "2023-06-01", "10"), ("b", "2023-07-01", "20")]).build(as_of_date=D)
    assert pyramid.query("select count(*) from marts.customer_tiers") == [(0,)]
    counts = pyramid.counts()
    assert [counts[t] for t in ("top", "big", "medium", "small")] == [0, 0, 0, 0]
    assert counts["inactive"] == 2
    assert list(counts) == ["top", "big", "medium", "small", "inactive", "prospect", "suspect", "rest"]
