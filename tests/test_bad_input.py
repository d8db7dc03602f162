"""Bad input stops the run with one message naming file, column and row; the published pyramid survives.

Every refusal is checked on one published warehouse per test process (`shared_published`), in this process:
the same Dagster job `pyramid run` runs, raising the error the CLI prints after `error:` with exit code 2.
The CLI's own part (exit code, one `error:` line, no traceback, "The published warehouse is unchanged") is
checked through the real command for a few cases.
"""

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.core.settings import PyramidSettings, SettingsError
from orchestration.land.loading import InputError
from orchestration.pipeline import build_pyramid
from tests.conftest import Dataset, Pyramid, invoke_pyramid

GOOD_SALES = [("a", "2025-01-01", "10.00"), ("b", "2025-01-02", "20.00")]


@pytest.fixture(scope="module")
def shared_published(tmp_path_factory):
    """One good published warehouse that every refused run below must leave byte for byte as it is."""
    dataset = Dataset(tmp_path_factory.mktemp("shared"))
    pyramid = dataset.sales(GOOD_SALES).build()
    return dataset.warehouse_dir, _checksum(pyramid.path)


@pytest.fixture
def published(shared_published, tmp_path):
    """A dataset of its own (good sales) whose warehouse is the shared published one; (dataset, checksum)."""
    warehouse, checksum = shared_published
    dataset = Dataset(tmp_path).sales(GOOD_SALES)
    dataset.warehouse_dir.symlink_to(warehouse, target_is_directory=True)
    return dataset, checksum


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refusal(input_dir: Path, warehouse: Path, checksum: str, **settings) -> str:
    """The message of the refused build (what `pyramid run` prints after `error:`, exit code 2), after
    checking that the published file is byte-identical and no build folder is left."""
    with pytest.raises((InputError, SettingsError)) as refused:
        build_pyramid(
            PyramidSettings.resolve(input_dir=input_dir, warehouse_dir=warehouse, **settings), echo=False
        )
    assert _checksum(warehouse / "pyramid.duckdb") == checksum, "the published warehouse was touched"
    assert not list((warehouse / ".build").glob("*")), "refused input leaves no build folder"
    return str(refused.value)


def _assert_refused(dataset, checksum, message, **settings):
    text = _refusal(dataset.input_dir, dataset.warehouse_dir, checksum, **settings)
    assert message in text
    return text


def _assert_refused_by_the_cli(dataset, checksum, message, *args):
    result = dataset.cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.stderr
    assert _checksum(dataset.warehouse_dir / "pyramid.duckdb") == checksum, "the published file was touched"
    assert "The published warehouse is unchanged" in result.stderr
    return result.stderr


def test_missing_required_column(published):
    dataset, checksum = published
    dataset.sales([("a", "2025-01-01")], header=("customer_id", "order_date"))
    stderr = _assert_refused_by_the_cli(dataset, checksum, "sales.csv: required column amount is missing")
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


def test_a_market_smaller_than_the_people_named_is_refused_before_any_model(published):
    """Known right after landing: 2 customers are named, a market of 1 cannot hold them (exit 2, no build)."""
    dataset, checksum = published
    _assert_refused_by_the_cli(
        dataset,
        checksum,
        "--market-population 1 is smaller than the 2 people the inputs already name by 2025-01-02",
        "--market-population",
        "1",
    )


def test_report_without_a_warehouse(tmp_path):
    from tests.conftest import invoke_pyramid

    result = invoke_pyramid("report", "--warehouse", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "no warehouse yet; run `pyramid run` first" in result.stderr


# --- Input shapes probed by a demanding user: each refused with one message naming file, column and row ---

SALES_HEAD = "customer_id,order_date,amount\n"


def _double_amount(path: Path) -> None:
    with duckdb.connect() as con:
        con.execute(
            "copy (select 'a' as customer_id, date '2025-01-01' as order_date, 0.1::double + 0.2 as amount)"
            f" to '{path}' (format parquet)"
        )


REFUSED_INPUTS = {
    "duplicate_complaint_id": (
        {"complaints.csv": "complaint_id,customer_id,opened_at\nk1,a,2025-01-01\nk1,b,2025-01-02\n"},
        "complaints.csv: column complaint_id: 'k1' appears more than once, at row 1 (line 2) and row 2",
    ),
    "customers_without_customer_id": (
        {"customers.csv": "id,country\na,PL\n"},
        "customers.csv: required column customer_id is missing (the file has: id, country)",
    ),
    "market_without_customer_id": (
        {"market.csv": "id\nm1\n"},
        "market.csv: required column customer_id is missing",
    ),
    "feedback_without_score": (
        {"feedback.csv": "customer_id,response_date\na,2025-01-01\n"},
        "feedback.csv: required column score is missing",
    ),
    "complaints_without_opened_at": (
        {"complaints.csv": "complaint_id,customer_id\nk1,a\n"},
        "complaints.csv: required column opened_at is missing",
    ),
    "february_30": (
        {"sales.csv": SALES_HEAD + "a,2025-01-01,1.00\nb,2025-02-30,1.00\n"},
        "sales.csv: column order_date: row 2 (line 3) has '2025-02-30', expected a date (YYYY-MM-DD)",
    ),
    "a_date_written_day_first": (
        {"sales.csv": SALES_HEAD + "a,01/02/2025,1.00\n"},
        "sales.csv: column order_date: row 1 (line 2) has '01/02/2025', expected a date",
    ),
    "three_decimals": (
        {"sales.csv": SALES_HEAD + "a,2025-01-01,1.00\nb,2025-01-01,1.005\n"},
        "sales.csv: column amount: row 2 (line 3) has '1.005', expected at most 2 decimals; nothing is"
        " rounded",
    ),
    "amount_out_of_range": (
        {"sales.csv": SALES_HEAD + "a,2025-01-01,12345678901234567.00\n"},
        "column amount: row 1 (line 2) has '12345678901234567.00', expected a number of at most 16 digits"
        " before the decimal point (out of range)",
    ),
    "folder_files_with_other_columns": (
        {
            "sales/2025-01.csv": SALES_HEAD + "a,2025-01-01,1.00\n",
            "sales/2025-02.csv": "customer_id,order_date,amount,order_id\nb,2025-02-01,2.00,o1\n",
        },
        "sales/2025-02.csv: columns differ from the folder's first file 2025-01.csv (order_id only in this"
        " file); every file of sales/ needs the same columns",
    ),
    "parquet_double_amount": (
        {"sales.parquet": _double_amount},
        "sales.parquet: column amount: row 1 has '0.30000000000000004', expected at most 2 decimals (the"
        " column is stored as DOUBLE: store money as DECIMAL(18, 2)); nothing is rounded",
    ),
    "nul_in_a_customer_id": (
        {"sales.csv": SALES_HEAD.encode() + b"c3,2025-01-01,1.00\nc\x003,2025-01-01,1.00\n"},
        "sales.csv: column customer_id: row 2 (line 3) has a control character (U+0000) in its customer_id"
        " (1 row in all); ids must be printable text",
    ),
    "escape_in_an_order_id": (
        {"sales.csv": "customer_id,order_date,amount,order_id\na,2025-01-01,1.00,o\x1b[31m1\n"},
        "sales.csv: column order_id: row 1 (line 2) has a control character (U+001B) in its order_id",
    ),
    "tab_in_a_customer_list_id": (
        {"customers.csv": 'customer_id,country\nc1,PL\n"c\t2",PL\n'},
        "customers.csv: column customer_id: row 2 (line 3) has a control character (U+0009)",
    ),
    "a_line_longer_than_duckdb_reads": (
        {"sales.csv": SALES_HEAD + "a,2025-01-01,1.00\n" + "b" * 2_100_000 + ",2025-01-01,1.00\n"},
        "sales.csv: row 2 (line 3) is 2,100,017 bytes long, more than the 2,000,000 bytes DuckDB reads as one"
        " line; is a quote left open, or a field this long?",
    ),
    "invalid_utf8": (
        {"sales.csv": SALES_HEAD.encode() + b"a,2025-01-01,1.00\nb\xff,2025-01-01,1.00\n"},
        "sales.csv: column customer_id: row 2 (line 3) is not valid UTF-8; save the file as UTF-8",
    ),
}


def _input_folder(root: Path, files: dict) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    if not any(name.startswith("sales") for name in files):
        (root / "sales.csv").write_text(SALES_HEAD + "a,2025-01-01,10.00\n")
    return root


@pytest.mark.parametrize("case", sorted(REFUSED_INPUTS))
def test_input_a_demanding_user_tried_is_refused_clearly(shared_published, tmp_path, case):
    warehouse, checksum = shared_published
    files, message = REFUSED_INPUTS[case]
    assert message in _refusal(_input_folder(tmp_path / case, files), warehouse, checksum)


@pytest.mark.parametrize(
    ("flags", "message", "code"),
    [
        (("--tier-shares", "nan,4,15,80"), "--tier-shares must be numbers separated by commas", 2),
        (("--as-of", "2999-01-01"), "--as-of 2999-01-01 is in the future", 2),
        (("--memory-limit", "lots"), "--memory-limit must be a size DuckDB reads, like 2GB", 2),
        (("--market-population", "0"), "--market-population 0 is smaller than the 1 person the inputs", 2),
    ],
)
def test_settings_a_demanding_user_tried_are_refused_clearly(
    shared_published, tmp_path, flags, message, code
):
    warehouse, checksum = shared_published
    folder = _input_folder(tmp_path / "input", {})
    result = invoke_pyramid("run", "--input", str(folder), "--warehouse", str(warehouse), "--quiet", *flags)
    assert result.returncode == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert _checksum(warehouse / "pyramid.duckdb") == checksum


def test_a_warehouse_folder_that_cannot_be_written(tmp_path):
    """(Root ignores file permissions, so the folder sits under a plain file: no one can create it.)"""
    (tmp_path / "a-file").write_text("")
    folder = _input_folder(tmp_path / "input", {})
    result = invoke_pyramid("run", "--input", str(folder), "--warehouse", str(tmp_path / "a-file" / "wh"))
    assert result.returncode == 1
    assert "cannot write in the warehouse folder" in result.stderr and "Traceback" not in result.stderr


def test_a_duckdb_client_holding_the_published_file_read_write(shared_published, tmp_path):
    warehouse, checksum = shared_published
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print(1, flush=True);"
            " time.sleep(120)",
            str(warehouse / "pyramid.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "1"
        folder = _input_folder(tmp_path / "input", {})
        result = invoke_pyramid("run", "--input", str(folder), "--warehouse", str(warehouse), "--quiet")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1, result.stderr
    assert "another program holds it open for writing" in result.stderr and "Traceback" not in result.stderr
    assert _checksum(warehouse / "pyramid.duckdb") == checksum


def test_shapes_that_are_accepted_and_read_exactly(tmp_path):
    """One file with a byte-order mark, semicolons, mixed-case headers, ids padded with spaces, text
    timestamps, a blank optional cost; shares written 1E+1,4,6,80; a warehouse path with an apostrophe.

    Sales as of 2025-03-01 (the latest, its time ignored): ' a ' is a (100.00 + 50.00 = 150.00), b 20.00,
    c 5.00: three active customers. Boundaries with 10/4/6/80 %: round(0.3) = 0, round(0.42) = 0,
    round(0.6) = 1: no top or big, a is medium, b and c small (25.00)."""
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "sales.csv").write_bytes(
        "\ufeffCustomer_ID;Order_Date;AMOUNT;Cost\n"
        " a ;2025-01-01 13:45:00;100.00; \n"
        "a;2025-02-01;50.00;10.00\n"
        "b ;2025-02-15T08:00:00;20.00;\n"
        "c;2025-03-01 23:59:59;5.00;1.00\n".encode()
    )
    warehouse = tmp_path / "o'brien's warehouse"
    result = invoke_pyramid(
        "run",
        "--input",
        str(folder),
        "--warehouse",
        str(warehouse),
        "--quiet",
        "--tier-shares",
        "1E+1,4,6,80",
    )
    assert result.returncode == 0, result.stderr
    pyramid = Pyramid(warehouse)
    assert pyramid.tiers() == {"a": "medium", "b": "small", "c": "small"}
    assert pyramid.summary()["medium"] == (1, Decimal("150.00"))
    assert pyramid.summary()["small"] == (2, Decimal("25.00"))
    assert pyramid.query("select distinct as_of_date from marts.customers") == [(dt.date(2025, 3, 1),)]
    assert (warehouse / "serving" / "current" / "customer_tiers.parquet").exists()


def test_an_as_of_before_the_first_sale_is_an_empty_pyramid(tmp_path):
    """As of 2024-12-31 no one has bought yet: every level is empty, and that is not an error."""
    folder = _input_folder(tmp_path / "input", {"sales.csv": SALES_HEAD + "a,2025-01-01,10.00\n"})
    result = invoke_pyramid(
        "run", "--input", str(folder), "--warehouse", str(tmp_path / "wh"), "--quiet", "--as-of", "2024-12-31"
    )
    assert result.returncode == 0, result.stderr
    counts = Pyramid(tmp_path / "wh").counts()
    assert {level: counts[level] for level in ("top", "big", "medium", "small", "inactive", "prospect")} == {
        "top": 0,
        "big": 0,
        "medium": 0,
        "small": 0,
        "inactive": 0,
        "prospect": 0,
    }


def test_dbt_stopping_before_any_model_is_explained_from_dbt_log(tmp_path):
    """A dbt build that stops before any node (here: a target the profile lacks) leaves no run results; the
    message comes from dbt.log, which a build writes at `info` (orchestration/build/in_process.py)."""
    from dbt.cli.main import dbtRunner

    from orchestration.build.failures import failure_message
    from orchestration.build.in_process import log_args
    from orchestration.core.paths import DBT_PROJECT_DIR

    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    args = ["build", *project, "--target", "nosuch", "--target-path", str(tmp_path)]
    assert not dbtRunner().invoke([*args, *log_args(tmp_path, echo=False)]).success
    message = failure_message(tmp_path)
    assert "dbt stopped before running any model" in message
    assert "does not have a target named 'nosuch'" in message
