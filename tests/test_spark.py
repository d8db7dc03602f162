"""The same dbt project on Apache Spark (`--target spark`, a local PySpark session) gives DuckDB's pyramid.

Each test builds one input twice through the whole pipeline, once per engine, and compares every mart row for
row (and column types), besides the hand-computed figures. Slow: each Spark build runs every model and test on
Spark (half a minute in a warm session; the first also starts the JVM, which every test of this file shares).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.core.paths import DBT_PROJECT_DIR, DEMO_INPUT_DIR
from orchestration.core.settings import PyramidSettings
from orchestration.core.warehouse_files import published_path, serving_dir
from orchestration.defs.assets.publishing import MARTS
from orchestration.pipeline import build_pyramid
from tests.conftest import Dataset, Pyramid, invoke_pyramid

# One xdist worker runs them all (pytest runs --dist loadfile), in one Spark session: its JVM starts once.
pytestmark = [pytest.mark.slow, pytest.mark.spark]


def build_on_both(input_dir: Path, root: Path, **settings: object) -> tuple[Pyramid, Pyramid]:
    """(DuckDB pyramid, Spark pyramid) of the same input and settings, each in its own warehouse."""
    pyramids = []
    for target in ("duckdb", "spark"):
        warehouse = root / f"warehouse_{target}"
        build_pyramid(
            PyramidSettings(input_dir=input_dir, warehouse_dir=warehouse, target=target, **settings),
            echo=False,
        )
        pyramids.append(Pyramid(warehouse))
    return pyramids[0], pyramids[1]


def assert_same_marts(on_duckdb: Pyramid, on_spark: Pyramid) -> None:
    """Every mart has the same columns, types and rows (as multisets) on both engines."""
    with duckdb.connect() as con:
        con.execute(f"attach '{on_duckdb.path}' as duck (read_only)")
        con.execute(f"attach '{on_spark.path}' as spark (read_only)")
        for table in MARTS:
            columns = [
                con.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_catalog = ? and table_schema = 'marts' and table_name = ?"
                    " order by ordinal_position",
                    [catalog, table],
                ).fetchall()
                for catalog in ("duck", "spark")
            ]
            assert columns[0] == columns[1], f"marts.{table}: columns differ"
            assert columns[0], f"marts.{table} is missing"
            for first, second in (("duck", "spark"), ("spark", "duck")):
                extra = con.execute(
                    f"select * from {first}.marts.{table} except all select * from {second}.marts.{table}"
                ).fetchall()
                assert extra == [], f"marts.{table}: rows only on {first}: {extra[:3]}"


def summary_rows(pyramid: Pyramid) -> list[tuple]:
    return pyramid.query(
        "select level, customers, share_of_active, revenue, share_of_revenue, avg_revenue"
        " from marts.pyramid_summary order by level_order"
    )


def tier_figures(pyramid: Pyramid) -> list[tuple]:
    """(tier, customers, revenue) of the four tiers, top first."""
    return pyramid.query(
        "select level, customers, revenue from marts.pyramid_summary"
        " where level_order <= 4 order by level_order"
    )


def half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def test_levels_and_exact_rounding_on_spark_equal_duckdb(dataset: Dataset):
    """As of 2025-12-31, market 100.

    Active (bought in the window): a 1,000.00 + 275.03 = 1,275.03 (two orders), g 5.00,
    r 100.00 - 99.99 = 0.01 (a refund).
    b bought only in 2023 (inactive); p1, p2 are customers without a purchase (prospects); s1..s3 are only in
    the market list (suspects); rest = 100 - (3 + 1 + 2 + 3) = 91.
    N = 3: boundaries round(0.03) = 0, round(0.15) = 0, round(0.6) = 1 → medium a; small g, r.
    small: 5.01 over 2 customers → avg 2.505 → 2.51 exactly half up (floating point gives 2.50);
    a's average order is 1,275.03 / 2 = 637.515 → 637.52; share of active 1/3 → 0.333333, 2/3 → 0.666667.
    """
    dataset.sales(
        [
            ("a", "2025-06-01", "1000.00"),
            ("a", "2025-07-01", "275.03"),
            ("g", "2025-06-02", "5.00"),
            ("r", "2025-03-01", "100.00"),
            ("r", "2025-04-01", "-99.99"),
            ("b", "2023-06-01", "10.00"),
        ]
    ).customers([("a",), ("b",), ("p1",), ("p2",)]).market([("a",), ("p1",), ("s1",), ("s2",), ("s3",)])
    on_duckdb, on_spark = build_on_both(
        dataset.input_dir, dataset.root, as_of_date=dt.date(2025, 12, 31), market_population=100
    )
    total = Decimal("1280.04")
    expected = [
        ("top", 0, Decimal("0.000000"), Decimal("0.00"), Decimal("0.000000"), None),
        ("big", 0, Decimal("0.000000"), Decimal("0.00"), Decimal("0.000000"), None),
        (
            "medium",
            1,
            Decimal("0.333333"),
            Decimal("1275.03"),
            half_up(Decimal("1275.03") / total, 6),
            Decimal("1275.03"),
        ),
        (
            "small",
            2,
            Decimal("0.666667"),
            Decimal("5.01"),
            half_up(Decimal("5.01") / total, 6),
            Decimal("2.51"),
        ),
        ("inactive", 1, None, Decimal("0.00"), Decimal("0.000000"), Decimal("0.00")),
        ("prospect", 2, None, Decimal("0.00"), Decimal("0.000000"), Decimal("0.00")),
        ("suspect", 3, None, Decimal("0.00"), Decimal("0.000000"), Decimal("0.00")),
        ("rest", 91, None, Decimal("0.00"), Decimal("0.000000"), Decimal("0.00")),
    ]
    for pyramid in (on_duckdb, on_spark):
        assert summary_rows(pyramid) == expected
        assert pyramid.query(
            "select customer_id, tier, revenue_rank, revenue_percentile, cumulative_revenue_share"
            " from marts.customer_tiers order by revenue_rank"
        ) == [
            ("a", "medium", 1, Decimal("66.6667"), half_up(Decimal("1275.03") / total, 6)),
            ("g", "small", 2, Decimal("33.3333"), half_up(Decimal("1280.03") / total, 6)),
            ("r", "small", 3, Decimal("0.0000"), Decimal("1.000000")),
        ]
        assert pyramid.query(
            "select avg_order_value from marts.customer_performance where customer_id = 'a'"
        ) == [(Decimal("637.52"),)]
    assert_same_marts(on_duckdb, on_spark)


def history_tier_figures(pyramid: Pyramid, period_end: str) -> list[tuple]:
    """(tier, customers, window revenue) of the four tiers at one period end of the tier history."""
    return pyramid.query(
        "select tier, count(*), sum(window_revenue) from marts.customer_tier_history"
        f" where period_end = date '{period_end}' and level = 'active'"
        " group by tier order by min(revenue_rank)"
    )


def test_a_tie_at_the_top_boundary_today_and_the_10_40_150_800_split_a_year_before_on_spark(
    dataset: Dataset,
):
    """Two tier splits in one build, today's and a year-old period of the tier history (one Spark build).

    Today, as of the latest sale 2025-12-31 (window 2025-01-01..2025-12-31): c01..c48 buy i; c49 and c50
    both buy 100 and tie at the top boundary. N = 50: round(0.5) = 1 top, round(2.5) = 3 → 2 big,
    round(10) = 10 → 7 medium, 40 small (halves up); c49 (lower id) is top, c50 big.
    top 100; big 100 + 48 = 148; medium 41 + ... + 47 = 308; small 1 + ... + 40 = 820.

    A year before, at the month end 2024-12-31: the method's example, c0001..c1000 buy i on that day (and are
    inactive today), so N = 1,000 → 10 top, 40 big, 150 medium, 800 small; top = sum(991..1000) = 9,955;
    big = sum(951..990) = 38,820; medium = sum(801..950) = 131,325; small = sum(1..800) = 320,400.
    """
    revenues = {f"c{i:02d}": str(i) for i in range(1, 49)} | {"c49": "100", "c50": "100"}
    dataset.sales(
        [(f"c{i:04d}", "2024-12-31", f"{i}.00") for i in range(1, 1001)]
        + [(customer, "2025-12-31", amount) for customer, amount in revenues.items()]
    )
    on_duckdb, on_spark = build_on_both(dataset.input_dir, dataset.root)
    for pyramid in (on_duckdb, on_spark):
        assert tier_figures(pyramid) == [
            ("top", 1, Decimal("100.00")),
            ("big", 2, Decimal("148.00")),
            ("medium", 7, Decimal("308.00")),
            ("small", 40, Decimal("820.00")),
        ]
        assert pyramid.counts()["inactive"] == 1000
        tiers = pyramid.tiers()
        boundary_customers = ("c49", "c50", "c48", "c47", "c40")
        assert [tiers[customer] for customer in boundary_customers] == [
            "top",
            "big",
            "big",
            "medium",
            "small",
        ]
        assert history_tier_figures(pyramid, "2024-12-31") == [
            ("top", 10, Decimal("9955.00")),
            ("big", 40, Decimal("38820.00")),
            ("medium", 150, Decimal("131325.00")),
            ("small", 800, Decimal("320400.00")),
        ]
    assert_same_marts(on_duckdb, on_spark)


def test_demo_on_spark_equals_duckdb_and_is_published_the_same_way(tmp_path: Path):
    """The bundled demo through `pyramid run --target spark`: every mart equals DuckDB's, the GX suites pass,
    and the warehouse, Parquet copies and report are published where a DuckDB run puts them. (The command
    runs in this process, on the session's JVM; test_demo.py holds that the command in a process of its own
    removes its Spark session folder.)"""
    warehouse = tmp_path / "warehouse_spark"
    result = invoke_pyramid(
        "run", "--target", "spark", "--warehouse", str(warehouse), "--market-population", "25000", "--quiet"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PASS  customer_tiers" in result.stdout
    assert "FAIL" not in result.stdout
    current = serving_dir(warehouse) / "current"
    for table in MARTS:
        assert (current / f"{table}.parquet").exists() or list((current / table).glob("*.parquet")), table
    assert (warehouse / "report" / "pyramid.en.html").exists()
    on_duckdb = tmp_path / "warehouse_duckdb"
    build_pyramid(
        PyramidSettings(input_dir=DEMO_INPUT_DIR, warehouse_dir=on_duckdb, market_population=25000),
        echo=False,
    )
    assert_same_marts(Pyramid(on_duckdb), Pyramid(warehouse))
    assert not list(warehouse.glob(".build/*")), "the Spark build folder was not cleaned up"
    for stray in ("metastore_db", "derby.log", "spark-warehouse"):
        assert not (DBT_PROJECT_DIR / stray).exists() and not Path(stray).exists(), (
            f"Spark left {stray} behind"
        )


def test_bad_input_and_a_failing_model_on_spark_keep_the_published_pyramid(dataset: Dataset):
    """A malformed date is refused by the loader before Spark starts (exit 2, naming file, column and row); so
    is a market smaller than the customers and suspects already named, right after landing (exit 2; dbt's
    pyramid_summary would abort the Spark query, but no model runs). The published pyramid stays byte for
    byte as it was."""
    dataset.sales([("a", "2025-06-01", "10"), ("b", "2025-06-01", "10")]).market([("s1",), ("s2",)])
    published = dataset.build().path
    before = published.read_bytes()
    dataset.market([("s1",), ("s2",)])
    aborted = dataset.cli("--target", "spark", "--market-population", "3")
    assert aborted.returncode == 2, aborted.stderr[-2000:]
    assert "--market-population 3 is smaller than the 4 people the inputs already name" in aborted.stderr
    dataset.sales([("a", "2025-06-01", "10"), ("b", "2025-13-45", "10")])
    refused = dataset.cli("--target", "spark")
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "sales.csv" in refused.stderr
    assert "column order_date: row 2 (line 3) has '2025-13-45'" in refused.stderr
    assert published.read_bytes() == before


def test_spark_without_java_is_a_clear_error_and_publishes_nothing(dataset: Dataset):
    """No Java on PATH and no JAVA_HOME: refused before any work, naming what is missing (exit 1)."""
    dataset.sales([("a", "2025-06-01", "10")])
    path = str(Path(sys.executable).parent)
    assert shutil.which("java", path=path) is None
    result = invoke_pyramid(
        "run",
        "--input",
        str(dataset.input_dir),
        "--warehouse",
        str(dataset.warehouse_dir),
        "--target",
        "spark",
        env={"JAVA_HOME": None, "PATH": path},  # for the command's duration (None: unset)
    )
    assert result.returncode == 1
    assert "--target spark needs Java 17" in result.stderr
    assert not published_path(dataset.warehouse_dir).exists()


def test_real_sales_on_spark_publish_the_right_pyramid(tmp_path: Path):
    """CDNOW's 2,357-customer sample (tests/real_sales.py) through `pyramid run --target spark` with no other
    flag: it publishes, every level and tier equals the independent pyramid as of the last sale
    (1998-06-30), and the 8 customers known only from lines of 0.00 have an outlook like everyone else."""
    from tests.real_sales import cdnow_lines, independent_pyramid, write_sales

    lines = cdnow_lines(sample=True)
    write_sales(tmp_path / "input" / "sales.csv", lines)
    warehouse = tmp_path / "warehouse"
    result = invoke_pyramid(
        "run",
        "--target",
        "spark",
        "--input",
        str(tmp_path / "input"),
        "--warehouse",
        str(warehouse),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "FAIL" not in result.stdout
    pyramid = Pyramid(warehouse)
    expected = independent_pyramid(lines, dt.date(1998, 6, 30))
    assert pyramid.levels() == expected.levels
    assert pyramid.tiers() == expected.tiers
    assert len(expected.levels) == 2_357
    assert sum(level == "prospect" for level in expected.levels.values()) == 8
    assert pyramid.query(
        "select count(*) from marts.customer_outlook where p_buys is not null and predicted_level is not null"
    ) == [(2_357,)]
