"""Daily runs that land only the new files: equal to a full rebuild, late corrections included."""

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.generate.big import generate_parquet
from orchestration.land.loading import InputError
from tests.conftest import Dataset, Pyramid, dbt_by_hand, run_dbt_by_hand

pytestmark = pytest.mark.slow  # several builds per test

FIRST_AS_OF = "2026-09-29"
NEXT_DAY = "2026-09-30"
# Every table a build computes, the incremental daily grain included.
COMPARED = (
    "intermediate.int_customer_daily_sales",
    "intermediate.int_customer_revenue",
    "marts.customers",
    "marts.customer_activity",
    "marts.customer_tiers",
    "marts.pyramid_summary",
    "marts.customer_tier_history",
    "marts.tier_migration",
    "marts.tier_retention",
    "marts.revenue_concentration",
    "intermediate.int_revenue_curve",
    "marts.revenue_curve",
    "marts.customer_performance",
    "marts.tier_performance",
    "intermediate.int_outlook_summary",
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """60,000 generated sales lines (Parquet, typed), with their customers and market."""
    return generate_parquet(tmp_path_factory.mktemp("generated"), sales_rows=60_000, seed=11).sales.parent


def copy_sql(sql: str, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"copy ({sql}) to '{destination}' (format parquet)")


def daily_dataset(root: Path, generated: Path) -> Dataset:
    """Sales as a folder: the lines up to FIRST_AS_OF in one file; customers and market beside it."""
    dataset = Dataset(root)
    for name in ("customers", "market"):
        dataset.input_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(generated / f"{name}.parquet", dataset.input_dir / f"{name}.parquet")
    copy_sql(
        f"select * from '{generated / 'sales.parquet'}' where order_date <= date '{FIRST_AS_OF}'",
        dataset.input_dir / "sales" / "part-0001.parquet",
    )
    return dataset


def add_next_day_with_corrections(dataset: Dataset, generated: Path) -> None:
    """The next day's lines, plus late lines for earlier days: a refund, a purchase, a first purchase."""
    copy_sql(
        f"""
        select * from '{generated / "sales.parquet"}' where order_date = date '{NEXT_DAY}'
        union all select 'LATE-1', 'C00000003', date '2026-03-03', -25.00
        union all select 'LATE-2', 'C00000042', date '2025-01-15', 1999.99
        union all select 'LATE-3', 'NEWCOMER', date '2026-09-01', 10.00
        """,
        dataset.input_dir / "sales" / "part-0002.parquet",
    )


def table_rows(pyramid: Pyramid, table: str) -> list[tuple]:
    return pyramid.query(f"select * from {table} order by all")


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_daily_file_with_late_corrections_equals_a_full_rebuild(tmp_path, generated):
    dataset = daily_dataset(tmp_path / "daily", generated)
    first = dataset.build(as_of_date=FIRST_AS_OF)
    assert first.query("select sales_action from raw.load_state") == [("landed",)]
    first_lines = first.query("select count(*) from raw.sales")[0][0]
    add_next_day_with_corrections(dataset, generated)
    daily = dataset.build(as_of_date=NEXT_DAY)

    new_lines = daily.query("select count(*) from raw.sales where _source_file like '%part-0002%'")[0][0]
    assert daily.query(
        "select sales_action, sales_new_rows, changed_from_date, newest_order_date from raw.load_state"
    ) == [("appended", new_lines, dt.date(2025, 1, 15), dt.date.fromisoformat(NEXT_DAY))]
    # Only the new lines were landed: the first file's lines keep their row numbers.
    assert daily.query("select min(_row_number) from raw.sales where _source_file like '%part-0002%'") == [
        (first_lines + 1,)
    ]
    incremental, daily_kept, reason, history_from, daily_from = daily.query(
        "select incremental, daily_sales_incremental, reason, history_written_from, daily_written_from"
        " from raw.history_build"
    )[0]
    assert (incremental, daily_kept) == (True, True)
    assert "late sales lines: periods ending from 2025-01-15 on recomputed" in reason
    # The late lines are inside the outlook's stored sums (as of FIRST_AS_OF): those are built whole, and the
    # summary equals the full rebuild's (COMPARED).
    assert daily.query("select outlook_sums_incremental from raw.history_build") == [(False,)]
    # The earliest appended line (LATE-2) is of 2025-01-15: dbt rewrote the days from it and the periods
    # ending on or after it, and their uniqueness tests looked at those rows only.
    assert history_from == daily_from == dt.date(2025, 1, 15)
    assert daily.query("select customer_id from marts.customers where customer_id = 'NEWCOMER'") == [
        ("NEWCOMER",)
    ]
    # The served history: a period whose rows did not change is the first build's file (a hard link). The
    # purchase of 2025-01-15 is inside the 365-day windows ending 2025-01-31 .. 2025-12-31, the refund of
    # 2026-03-03 in those from 2026-03-31 on, the newcomer in 2026-09; 2026-01 and 2026-02 (windows from
    # 2025-02-01 and 2025-03-01, before the refund) are recomputed by dbt but equal, so reused too.
    versions = (daily.warehouse_dir / "serving" / "versions").iterdir()
    files = {
        version.resolve() == (daily.warehouse_dir / "serving" / "current").resolve(): {
            path.stem: path.stat().st_ino for path in (version / "customer_tier_history").glob("*.parquet")
        }
        for version in versions
    }
    reused = {period for period, inode in files[True].items() if files[False].get(period) == inode}
    assert reused == {period for period in files[False] if period < "2025-01-01"} | {
        "2026-01-01",
        "2026-02-01",
    }
    assert len(reused) >= 14  # the generated sales start in 2023-11

    full = Dataset(tmp_path / "full")
    shutil.copytree(dataset.input_dir, full.input_dir)
    rebuilt = full.build(as_of_date=NEXT_DAY)
    assert rebuilt.query("select sales_action from raw.load_state") == [("landed",)]
    for table in COMPARED:
        assert table_rows(daily, table) == table_rows(rebuilt, table), table
    assert rebuilt.query("select history_written_from, daily_written_from from raw.history_build") == [
        (None, None)
    ]
    assert_limited_uniqueness_tests_still_catch_a_written_duplicate(tmp_path / "by_hand", daily)


def assert_limited_uniqueness_tests_still_catch_a_written_duplicate(root: Path, daily: Pyramid) -> None:
    """The two limited tests, run by hand with the daily build's vars on a copy of its warehouse holding one
    duplicated row before 2025-01-15 and two after: each test finds exactly the two after (3 if it looked at
    every row, 1 if at the wrong ones)."""
    project, development = dbt_by_hand(root, daily.path)
    with duckdb.connect(str(development)) as con:
        for table, day in (
            ("marts.customer_tier_history", "period_end"),
            ("intermediate.int_customer_daily_sales", "order_date"),
        ):
            for when, rows in (("2024-06-30", 1), ("2026-06-30", 2)):
                last_day_by_then = f"(select max({day}) from {table} where {day} <= date '{when}')"
                con.execute(
                    f"insert into {table} select * from {table} where {day} = {last_day_by_then} limit {rows}"
                )
    checked_from = {"history_checked_from": "2025-01-15", "daily_checked_from": "2025-01-15"}
    dbt = run_dbt_by_hand(
        project,
        "test",
        "--select",
        "test_name:unique_combination,customer_tier_history",
        "test_name:unique_combination,int_customer_daily_sales",
        "--vars",
        json.dumps(checked_from),
    )
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    failures = sorted(
        (result["unique_id"].split(".")[2], result["status"], result["failures"])
        for result in results
        if result["unique_id"].startswith("test.")
    )
    assert [(status, failed) for _, status, failed in failures] == [("fail", 2), ("fail", 2)], (
        failures,
        dbt.stdout[-3000:],
    )
    assert "customer_tier_history" in failures[0][0] + failures[1][0], failures
    assert "int_customer_daily_sales" in failures[0][0] + failures[1][0], failures


def test_unchanged_inputs_are_kept_and_a_changed_file_is_landed_again(tmp_path, generated):
    dataset = daily_dataset(tmp_path / "changed", generated)
    dataset.build(as_of_date=FIRST_AS_OF)
    again = dataset.build(as_of_date=FIRST_AS_OF)
    assert again.query("select sales_action, sales_new_rows, newest_order_date from raw.load_state") == [
        ("kept", 0, dt.date.fromisoformat(FIRST_AS_OF))
    ]
    assert again.query("select incremental, daily_sales_incremental from raw.history_build") == [(True, True)]

    # A file of one late correction only (2025-01-15), built without --as-of: the newest sale is still the
    # first file's (the carried record, max of it and the new line), and so is the default as-of date.
    copy_sql(
        "select 'LATE-9' as order_id, 'C00000042' as customer_id, date '2025-01-15' as order_date,"
        " 5.00 as amount",
        dataset.input_dir / "sales" / "part-0002.parquet",
    )
    late = dataset.build()
    assert late.query("select sales_action, newest_order_date from raw.load_state") == [
        ("appended", dt.date.fromisoformat(FIRST_AS_OF))
    ]
    assert late.query("select as_of_date from raw.build_settings") == [(dt.date.fromisoformat(FIRST_AS_OF),)]

    # An earlier file edited in place (its earliest line's amount changed): sales are landed again and the
    # history rebuilt.
    first_file = dataset.input_dir / "sales" / "part-0001.parquet"
    earliest = f"(select order_id from '{first_file}' order by order_date, order_id limit 1)"
    copy_sql(
        f"select order_id, customer_id, order_date,"
        f" case when order_id = {earliest} then amount + 1 else amount end as amount"
        f" from '{first_file}'",
        first_file.with_name("edited.tmp"),
    )
    os.replace(first_file.with_name("edited.tmp"), first_file)
    edited = dataset.build(as_of_date=FIRST_AS_OF)
    assert edited.query("select sales_action from raw.load_state") == [("landed",)]
    incremental, daily_kept, reason = edited.query(
        "select incremental, daily_sales_incremental, reason from raw.history_build"
    )[0]
    assert (incremental, daily_kept) == (False, False)
    assert reason.startswith("full rebuild (sales before")

    full = Dataset(tmp_path / "full")
    shutil.copytree(dataset.input_dir, full.input_dir)
    rebuilt = full.build(as_of_date=FIRST_AS_OF)
    for table in COMPARED:
        assert table_rows(edited, table) == table_rows(rebuilt, table), table


def test_a_new_file_repeating_a_landed_line_is_refused_and_nothing_is_published(tmp_path, generated):
    dataset = daily_dataset(tmp_path / "repeat", generated)
    published = dataset.build(as_of_date=FIRST_AS_OF).path
    before = checksum(published)
    first_file = dataset.input_dir / "sales" / "part-0001.parquet"
    copy_sql(
        f"select * from '{first_file}' where order_id = (select min(order_id) from '{first_file}')",
        dataset.input_dir / "sales" / "part-0002.parquet",
    )
    with pytest.raises(InputError) as refused:
        dataset.build(as_of_date=NEXT_DAY)
    message = str(refused.value)
    assert "part-0002.parquet: row 1 repeats a line already landed from" in message
    assert "part-0001.parquet" in message and "--keep-duplicates" in message
    assert checksum(published) == before
