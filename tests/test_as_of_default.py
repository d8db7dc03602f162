"""The default as-of date is the latest order_date of every sales line the build holds, however the sales
are split into files, and a daily run that adds a file equals a full build of everything."""

import datetime as dt
import shutil

import duckdb
import pytest

from orchestration.core.paths import DEMO_INPUT_DIR
from tests.conftest import Dataset
from tests.test_incremental import COMPARED, table_rows

pytestmark = pytest.mark.slow

DEMO_SALES = DEMO_INPUT_DIR / "sales.csv"


def _copy(sql: str, destination) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"copy ({sql}) to '{destination}' (format csv, header true)")


def _demo_lines(where: str) -> str:
    return f"select * from read_csv('{DEMO_SALES}', all_varchar = true) where {where} order by order_id"


def _with_customers(dataset: Dataset) -> Dataset:
    dataset.input_dir.mkdir(parents=True, exist_ok=True)
    for name in ("customers", "market"):
        shutil.copy(DEMO_INPUT_DIR / f"{name}.csv", dataset.input_dir / f"{name}.csv")
    return dataset


def _monthly_files(dataset: Dataset, months: list[str]) -> None:
    """One file per month, named by month: sales-2023-11.csv first, the latest month last."""
    for month in months:
        _copy(_demo_lines(f"order_date like '{month}-%'"), dataset.input_dir / "sales" / f"sales-{month}.csv")


@pytest.fixture(scope="module")
def months() -> list[str]:
    with duckdb.connect() as con:
        return [
            row[0]
            for row in con.execute(
                f"select distinct left(order_date, 7) from read_csv('{DEMO_SALES}', all_varchar = true)"
                " order by 1"
            ).fetchall()
        ]


def test_monthly_files_give_the_pyramid_of_one_file_and_a_new_file_equals_a_full_build(tmp_path, months):
    """The demo up to September 2026: in one sales.csv, and as 35 monthly files (sales-2023-11.csv first).
    Both are as of the latest sale, 2026-09-30, not 2023-11-30, the last sale of the first file (what the old
    pre-read of the first file gave). Then October's file is dropped in under a name that sorts in the middle
    (sales-2026-00-october.csv, between 2025-12 and 2026-01): the latest sale is in neither the first nor the
    last file by name. The daily run is as of 2026-10-31 and equals a full build of all the lines."""
    assert months[0] == "2023-11" and months[-1] == "2026-10"
    single = _with_customers(Dataset(tmp_path / "single"))
    _copy(_demo_lines("order_date < '2026-10-01'"), single.input_dir / "sales.csv")
    one_file = single.build()

    folder = _with_customers(Dataset(tmp_path / "folder"))
    _monthly_files(folder, months[:-1])
    assert sorted((folder.input_dir / "sales").iterdir())[0].name == "sales-2023-11.csv"
    monthly = folder.build()

    assert monthly.query("select as_of_date, as_of_requested from raw.build_settings") == [
        (dt.date(2026, 9, 30), None)
    ]
    for table in COMPARED:
        assert table_rows(monthly, table) == table_rows(one_file, table), table

    october = folder.input_dir / "sales" / "sales-2026-00-october.csv"
    _copy(_demo_lines("order_date like '2026-10-%'"), october)
    names = [path.name for path in sorted(october.parent.iterdir())]
    assert 0 < names.index(october.name) < len(names) - 1
    daily = folder.build()
    assert daily.query("select sales_action from raw.load_state") == [("appended",)]
    assert daily.query("select max(as_of_date) from marts.pyramid_summary") == [(dt.date(2026, 10, 31),)]

    full = _with_customers(Dataset(tmp_path / "full"))
    shutil.copy(DEMO_SALES, full.input_dir / "sales.csv")
    everything = full.build()
    for table in COMPARED:
        assert table_rows(daily, table) == table_rows(everything, table), table
