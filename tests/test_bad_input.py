"""Bad input stops the run with one message naming file, column and row; the published pyramid survives."""

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

GOOD_SALES = [("a", "2025-01-01", "10.00"), ("b", "2025-01-02", "20.00")]


@pytest.fixture
def published(dataset):
    """A dataset with a good pyramid already published; yields (dataset, checksum of the published file)."""
    pyramid = dataset.sales(GOOD_SALES).build()
    return dataset, _checksum(pyramid.path)


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_refused(dataset, checksum, message, *args):
    result = dataset.cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    published = dataset.warehouse_dir / "pyramid.duckdb"
    assert _checksum(published) == checksum, "the published warehouse was touched"
    assert "The published warehouse is unchanged" in result.stderr
    return result.stderr


def test_missing_required_column(published):
    dataset, checksum = published
    dataset.sales([("a", "2025-01-01")], header=("customer_id", "order_date"))
    stderr = _assert_refused(dataset, checksum, "sales.csv: required column amount is missing")
    assert "(the file has: customer_id, order_date)" in stderr


def test_unparsable_amount(published):
    dataset, checksum = published
    dataset.sales([*GOOD_SALES, ("c", "2025-01-03", "12,50"), ("d", "2025-01-03", "€3")])
    _assert_refused(
        dataset,
        checksum,
        "sales.csv: column amount: row 3 (line 4) has '12,50', expected a number",
    )


def test_malformed_date(published):
    dataset, checksum = published
    dataset.sales([*GOOD_SALES, ("c", "2025-13-01", "1.00")])
    stderr = _assert_refused(dataset, checksum, "column order_date: row 3 (line 4) has '2025-13-01'")
    assert "expected a date (YYYY-MM-DD)" in stderr


def test_missing_date(published):
    dataset, checksum = published
    dataset.sales([("c", "", "1.00"), *GOOD_SALES])
    _assert_refused(dataset, checksum, "column order_date: row 1 (line 2) has an empty value")


def test_null_customer_id(published):
    dataset, checksum = published
    dataset.sales([*GOOD_SALES, ("", "2025-01-03", "1.00"), ("  ", "2025-01-03", "1.00")])
    _assert_refused(
        dataset, checksum, "column customer_id: row 3 (line 4) has an empty customer_id (2 rows in all)"
    )


def test_empty_file(published):
    dataset, checksum = published
    (dataset.input_dir / "sales.csv").write_text("")
    _assert_refused(dataset, checksum, "sales.csv: the file is empty")


def test_header_only(published):
    dataset, checksum = published
    dataset.sales([])
    _assert_refused(dataset, checksum, "sales.csv: the file has a header but no rows")


def test_missing_sales_file(published):
    dataset, checksum = published
    (dataset.input_dir / "sales.csv").unlink()
    _assert_refused(dataset, checksum, "no sales.csv, sales.parquet or sales/ found")


def test_sales_file_and_sales_folder_together(published):
    dataset, checksum = published
    (dataset.input_dir / "sales").mkdir()
    shutil.copy(dataset.input_dir / "sales.csv", dataset.input_dir / "sales" / "day-2.csv")
    _assert_refused(dataset, checksum, "sales.csv and sales/ exist side by side; keep one of them")


def test_bad_signup_date_in_customers(published):
    dataset, checksum = published
    dataset.customers([("a", "2024-01-01"), ("b", "yesterday")], header=("customer_id", "signup_date"))
    _assert_refused(dataset, checksum, "customers.csv: column signup_date: row 2 (line 3) has 'yesterday'")


def test_duplicate_customer_in_customers_list(published):
    dataset, checksum = published
    dataset.customers([("a",), ("b",), ("a",)])
    _assert_refused(dataset, checksum, "customers.csv: column customer_id: 'a' appears more than once")


SALES_WITH_ORDERS = ("order_id", "customer_id", "order_date", "amount")


def test_duplicate_lines_with_order_id_are_refused(published):
    dataset, checksum = published
    dataset.sales(
        [
            ("o1", "a", "2025-01-01", "10.00"),
            ("o2", "b", "2025-01-02", "20.00"),
            ("o1", "a", "2025-01-01", "10.00"),
            ("o2", "b", "2025-01-02", "20.00"),
            ("o2", "b", "2025-01-02", "20.00"),
        ],
        header=SALES_WITH_ORDERS,
    )
    _assert_refused(
        dataset,
        checksum,
        "sales.csv: 3 duplicate lines (same order_id and all other columns equal); "
        "the first is order_id 'o1' at row 1 (line 2), repeated at row 3 (line 4)",
    )


def test_duplicate_lines_can_be_kept(dataset):
    dataset.sales(
        [("o1", "a", "2025-01-01", "10.00"), ("o1", "a", "2025-01-01", "10.00")], header=SALES_WITH_ORDERS
    )
    pyramid = dataset.build(keep_duplicates=True)
    assert pyramid.summary()["small"] == (1, Decimal("20.00"))
    assert pyramid.query("select lifetime_orders from marts.customers") == [(1,)]


def test_identical_lines_without_order_id_are_repeat_purchases(dataset):
    pyramid = dataset.sales([("a", "2025-01-01", "10.00")] * 3).build()
    assert pyramid.summary()["small"] == (1, Decimal("30.00"))
    assert pyramid.query("select lifetime_orders from marts.customers") == [(3,)]


def test_same_order_different_lines_are_not_duplicates(dataset):
    pyramid = dataset.sales(
        [("o1", "a", "2025-01-01", "10.00"), ("o1", "a", "2025-01-01", "5.00")], header=SALES_WITH_ORDERS
    ).build()
    assert pyramid.summary()["small"] == (1, Decimal("15.00"))


def test_parquet_input_with_native_types(dataset):
    """A Parquet file with DATE/TIMESTAMP and DOUBLE columns loads like a CSV."""
    dataset.input_dir.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select * from (values
                    ('a', timestamp '2025-01-01 13:45:00', 10.5::double),
                    ('b', timestamp '2025-01-02 00:00:00', 20.25::double)
                ) as t(customer_id, order_date, amount)
            ) to '{dataset.input_dir / "sales.parquet"}' (format parquet)
            """
        )
    pyramid = dataset.build()
    assert pyramid.summary()["small"] == (2, Decimal("30.75"))
    assert str(pyramid.query("select distinct as_of_date from marts.customers")[0][0]) == "2025-01-02"


def test_parquet_error_names_the_row(dataset):
    dataset.input_dir.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (select * from (values ('a', '2025-01-01', '1'), (null, '2025-01-01', '2'))
                  as t(customer_id, order_date, amount))
            to '{dataset.input_dir / "sales.parquet"}' (format parquet)
            """
        )
    result = dataset.cli()
    assert result.returncode == 2
    assert "sales.parquet: column customer_id: row 2 has an empty customer_id" in result.stderr


def test_a_failing_dbt_build_keeps_the_published_pyramid(published):
    """A build that fails inside dbt (market too small) leaves the published file as it was."""
    dataset, checksum = published
    result = dataset.cli("--market-population", "1")
    assert result.returncode == 1
    assert "dbt build failed" in result.stderr
    assert _checksum(dataset.warehouse_dir / "pyramid.duckdb") == checksum
    assert list(dataset.warehouse_dir.glob(".build/*/pyramid.duckdb")), "failed build kept for inspection"


def test_as_of_outside_the_partitions_is_refused(published):
    dataset, checksum = published
    _assert_refused(
        dataset,
        checksum,
        "--as-of 2019-12-31 is outside the months the pipeline covers",
        "--as-of",
        "2019-12-31",
    )


def test_report_without_a_warehouse(tmp_path):
    from tests.conftest import run_pyramid

    result = run_pyramid("report", "--warehouse", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "no warehouse yet; run `pyramid run` first" in result.stderr
