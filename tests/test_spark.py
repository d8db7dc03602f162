"""The same dbt project on a real Apache Spark cluster (`--target spark_cluster`) gives DuckDB's pyramid.

The cluster (fixture `spark_cluster`: Hive metastore, standalone master and worker, Thrift and Connect
servers on 127.0.0.1) starts once for this file. Each test builds one input through the whole pipeline on
DuckDB and on the cluster, and compares every mart row for row (and column types), besides the hand-computed
figures; the first one builds on the local development session (`--target spark`) too. Slow: each Spark
build runs every model and test on Spark.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import threading
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

# One xdist worker runs them all (pytest runs --dist loadfile), on one cluster.
pytestmark = [pytest.mark.slow, pytest.mark.spark, pytest.mark.usefixtures("spark_cluster")]


def build_on_both(
    input_dir: Path, root: Path, targets: tuple[str, ...] = ("duckdb", "spark_cluster"), **settings: object
) -> list[Pyramid]:
    """The pyramids of the same input and settings on each target, each in its own warehouse."""
    pyramids = []
    for target in targets:
        warehouse = root / f"warehouse_{target}"
        build_pyramid(
            PyramidSettings(input_dir=input_dir, warehouse_dir=warehouse, target=target, **settings),
            echo=False,
        )
        pyramids.append(Pyramid(warehouse))
    return pyramids


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


def assert_published_on_cluster(pyramid: Pyramid) -> None:
    """Every mart's view in the cluster's published schema holds the rows of the published DuckDB file."""
    from orchestration.build.spark import connect_session

    session = connect_session()
    with duckdb.connect() as con:
        con.execute(f"attach '{pyramid.path}' as duck (read_only)")
        for table in MARTS:
            con.register("on_cluster", session.table(f"pyramid.{table}").toArrow())
            published = f"duck.marts.{table}"
            for first, second, where in (
                (published, "on_cluster", "in DuckDB"),
                ("on_cluster", published, "on the cluster"),
            ):
                extra = con.execute(f"select * from {first} except all select * from {second}").fetchall()
                assert extra == [], f"{table}: rows only {where}: {extra[:3]}"
            con.unregister("on_cluster")


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
    on_duckdb, on_session, on_spark = build_on_both(
        dataset.input_dir,
        dataset.root,
        ("duckdb", "spark", "spark_cluster"),
        as_of_date=dt.date(2025, 12, 31),
        market_population=100,
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
    for pyramid in (on_duckdb, on_session, on_spark):
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
    assert_same_marts(on_duckdb, on_session)
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


@pytest.fixture(scope="module")
def demo_on_cluster(tmp_path_factory: pytest.TempPathFactory, spark_cluster):
    """The bundled demo built and published on the cluster: (its warehouse, the command's result). Tables
    come back in parts of at most 5,000 rows (the tier history's 63,798 in 13), as a large table would."""
    warehouse = tmp_path_factory.mktemp("demo_on_cluster") / "warehouse_spark"
    result = invoke_pyramid(
        "run",
        "--target",
        "spark_cluster",
        "--warehouse",
        str(warehouse),
        "--market-population",
        "25000",
        "--quiet",
        env={"PYRAMID_SPARK_FETCH_ROWS": "5000"},
    )
    return warehouse, result


def test_demo_on_spark_equals_duckdb_and_is_published_the_same_way(
    tmp_path: Path, spark_cluster, demo_on_cluster
):
    """The bundled demo through `pyramid run --target spark_cluster`: every mart equals DuckDB's, the GX
    suites pass, and the warehouse, Parquet copies and report are published where a DuckDB run puts them. The
    raw tables are in the cluster's metastore, over the landing folder, and the marts in its warehouse."""
    warehouse, result = demo_on_cluster
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
    landed = spark_cluster.root / "landing" / "raw"
    inputs = {"sales", "customers", "market", "feedback", "complaints", "load_state"}
    assert inputs <= {path.name for path in landed.iterdir()}
    assert (spark_cluster.warehouse_dir / "marts.db" / "customer_tiers").is_dir()
    assert_published_on_cluster(Pyramid(warehouse))
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
    aborted = dataset.cli("--target", "spark_cluster", "--market-population", "3")
    assert aborted.returncode == 2, aborted.stderr[-2000:]
    assert "--market-population 3 is smaller than the 4 people the inputs already name" in aborted.stderr
    dataset.sales([("a", "2025-06-01", "10"), ("b", "2025-13-45", "10")])
    refused = dataset.cli("--target", "spark_cluster")
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


def test_a_cluster_that_does_not_answer_is_a_clear_error_and_publishes_nothing(dataset: Dataset):
    """`--target spark_cluster` with no server on the Thrift port, or no landing folder set: refused before
    any work, naming the setting (exit 1), nothing published."""
    from orchestration.build.local_cluster import free_port

    dataset.sales([("a", "2025-06-01", "10")])
    port = free_port()
    run = ("run", "--input", str(dataset.input_dir), "--warehouse", str(dataset.warehouse_dir))
    result = invoke_pyramid(*run, "--target", "spark_cluster", env={"PYRAMID_SPARK_PORT": str(port)})
    assert result.returncode == 1
    assert f"no Thrift server answers at 127.0.0.1:{port} (PYRAMID_SPARK_HOST, PYRAMID_SPARK_PORT)" in (
        result.stderr
    )
    result = invoke_pyramid(*run, "--target", "spark_cluster", env={"PYRAMID_SPARK_LANDING_DIR": None})
    assert result.returncode == 1
    assert "--target spark_cluster needs PYRAMID_SPARK_LANDING_DIR" in result.stderr
    assert not published_path(dataset.warehouse_dir).exists()


class ThriftReader:
    """A BI tool polling the published pyramid through the cluster's Thrift server (JDBC/ODBC) in a thread:
    every answer it got, and every error."""

    QUERY = "select level, customers, revenue from pyramid.pyramid_summary order by level_order"

    def __init__(self, port: int) -> None:
        from pyhive import hive

        self.connection = hive.connect(host="127.0.0.1", port=port, username="bi")
        self.answers: list[list[tuple]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def read(self) -> list[tuple] | None:
        cursor = self.connection.cursor()
        try:
            cursor.execute(self.QUERY)
            return [tuple(row) for row in cursor.fetchall()]
        except Exception as error:
            if "TABLE_OR_VIEW_NOT_FOUND" in str(error):
                return None
            raise
        finally:
            cursor.close()

    def _poll(self) -> None:
        while not self.stop.is_set():
            try:
                self.answers.append(self.read())
            except Exception as error:
                self.errors.append(str(error)[:500])
            self.stop.wait(0.5)

    def __enter__(self) -> ThriftReader:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join()
        self.connection.close()


def history_build(pyramid: Pyramid) -> tuple:
    """(history incremental, daily sales incremental, reason) of the published build's decision."""
    return pyramid.query("select incremental, daily_sales_incremental, reason from raw.history_build")[0]


def test_real_sales_on_spark_publish_the_right_pyramid_and_extend_it_daily(
    tmp_path: Path, spark_cluster, demo_on_cluster
):
    """CDNOW's 2,357-customer sample (tests/real_sales.py) through `pyramid run --target spark_cluster`, no
    other flag, first its lines to 1998-05-31 (sales/a.csv), then June's appended (sales/b.csv): the daily
    run is incremental on the cluster (the tier history keeps the 16 periods before May 1998 and rewrites
    May and June; the daily sales only the days from June's first line) and every mart equals a full DuckDB
    build of all lines, row for row. Every level and tier equals the independent pyramid as of the last sale
    (1998-06-30), and the 8 customers known only from lines of 0.00 have an outlook like everyone else.

    A BI tool polling the cluster's published pyramid through Thrift during the first build never fails and
    sees the pyramid published before (the demo's) or this one, never anything between, nor nothing. A third
    run, with a sale dated 2999-12-31 added, fails validation (exit 3) and changes neither the cluster's
    published pyramid nor the DuckDB file; it had taken the cluster's incremental tables over, so the next
    run, without that sale, builds them whole and publishes the same pyramid again."""
    from tests.real_sales import Line, cdnow_lines, independent_pyramid, write_sales

    lines = cdnow_lines(sample=True)
    june = dt.date(1998, 6, 1)
    sales = tmp_path / "input" / "sales"
    write_sales(sales / "a.csv", [line for line in lines if line.order_date < june])
    warehouse = tmp_path / "warehouse"
    run = ("run", "--target", "spark_cluster", "--input", str(tmp_path / "input"))
    run += ("--warehouse", str(warehouse), "--quiet")
    reader = ThriftReader(spark_cluster.ports["thrift"])
    before = reader.read()  # before its thread starts: a connection is not shared between threads
    assert before == Pyramid(demo_on_cluster[0]).query(ThriftReader.QUERY.replace("pyramid.", "marts."))
    with reader:
        result = invoke_pyramid(*run)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "FAIL" not in result.stdout
    pyramid = Pyramid(warehouse)
    after = [tuple(row) for row in pyramid.query(ThriftReader.QUERY.replace("pyramid.", "marts."))]
    assert reader.errors == []
    assert len(reader.answers) > 10
    assert {tuple(answer) if answer else None for answer in reader.answers} <= {tuple(before), tuple(after)}
    assert ThriftReader(spark_cluster.ports["thrift"]).read() == after

    write_sales(sales / "b.csv", [line for line in lines if line.order_date >= june])
    daily = invoke_pyramid(*run)
    assert daily.returncode == 0, daily.stderr[-3000:]
    assert history_build(pyramid) == (
        True,
        True,
        "incremental: 16 stored periods kept (from 1998-05-01 on recomputed); daily sales: only new days",
    )
    on_duckdb = tmp_path / "warehouse_duckdb"
    build_pyramid(PyramidSettings(input_dir=tmp_path / "input", warehouse_dir=on_duckdb), echo=False)
    assert_same_marts(Pyramid(on_duckdb), pyramid)
    expected = independent_pyramid(lines, dt.date(1998, 6, 30))
    assert pyramid.levels() == expected.levels
    assert pyramid.tiers() == expected.tiers
    assert len(expected.levels) == 2_357
    assert sum(level == "prospect" for level in expected.levels.values()) == 8
    assert pyramid.query(
        "select count(*) from marts.customer_outlook where p_buys is not null and predicted_level is not null"
    ) == [(2_357,)]

    published = pyramid.path.read_bytes()
    write_sales(sales / "c.csv", [Line("future", dt.date(2999, 12, 31), 500)])
    refused = invoke_pyramid(*run)
    assert refused.returncode == 3, refused.stderr[-3000:]
    assert "order_date_not_in_future" in refused.stderr
    assert pyramid.path.read_bytes() == published
    assert_published_on_cluster(pyramid)
    (sales / "c.csv").unlink()
    again = invoke_pyramid(*run)
    assert again.returncode == 0, again.stderr[-3000:]
    assert history_build(pyramid) == (
        False,
        False,
        "full rebuild (the cluster's tables were written by a build that was not published);"
        " daily sales: full build",
    )
    assert_same_marts(Pyramid(on_duckdb), pyramid)
