"""Real exports as they come: a shop's own headers (--column-map), decimal commas (--decimal-comma), day-first
dates (--day-first) and Arabic-Indic digits, read without editing the file, and refused by the value as the
file has it when they break the format."""

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.core.settings import PyramidSettings
from orchestration.land.loading import InputError
from orchestration.pipeline import build_pyramid
from tests.conftest import Dataset, Pyramid, invoke_pyramid

# A Polish shop's export: its own headers, `;` between fields, day-first dates, decimal commas with spaces or
# dots between thousands, and Polish letters in the headers.
POLISH_HEADER = ("Nr zamówienia", "Klient", "Data zamówienia", "Wartość brutto")
POLISH_SALES = [
    ("Z-1", "K001", "05.01.2025", "1 234,50"),
    ("Z-2", "K002", "31.12.2025", "99,99"),
    ("Z-3", "K001", "15.06.2025 14:05", "2.000,00"),
    ("Z-4", "K003", "01.02.2024", "10,00"),
]
POLISH_MAP = """\
sales:
  order_id: Nr zamówienia
  customer_id: Klient
  order_date: Data zamówienia
  amount: Wartość brutto
"""
# An Arabic-speaking shop's export: Arabic headers, Arabic-Indic digits with the Arabic decimal and thousands
# separators beside Western ones, day-first dates with slashes.
ARABIC_HEADER = ("رقم الفاتورة", "رقم العميل", "تاريخ الفاتورة", "المبلغ")
# Western digits and separators written the Arabic way: 0-9 as U+0660-U+0669, "." as U+066B, "," as U+066C.
ARABIC_WRITING = str.maketrans({**{str(n): chr(0x0660 + n) for n in range(10)}, ".": "\u066b", ",": "\u066c"})
ARABIC_SALES = [
    ("F-1", "C-7", "05/01/2025".translate(ARABIC_WRITING), "1,234.50".translate(ARABIC_WRITING)),
    ("F-2", "C-8", "31/12/2025", "99.99"),
]
ARABIC_MAP = """\
sales:
  order_id: رقم الفاتورة
  customer_id: رقم العميل
  order_date: تاريخ الفاتورة
  amount: المبلغ
"""


def _write(dataset: Dataset, header, rows, delimiter: str) -> None:
    dataset.input_dir.mkdir(parents=True, exist_ok=True)
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    (dataset.input_dir / "sales.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "columns.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def polish(tmp_path_factory) -> tuple[Dataset, Pyramid, Path]:
    dataset = Dataset(tmp_path_factory.mktemp("polish"))
    _write(dataset, POLISH_HEADER, POLISH_SALES, ";")
    column_map = _map(dataset.root, POLISH_MAP)
    settings = PyramidSettings.resolve(
        input_dir=dataset.input_dir,
        warehouse_dir=dataset.warehouse_dir,
        column_map=column_map,
        decimal_comma=True,
        day_first=True,
    )
    build_pyramid(settings, echo=False)
    return dataset, Pyramid(dataset.warehouse_dir), column_map


def test_a_polish_export_is_read_as_it_comes(polish):
    """As of 2025-12-31 (the last sale), window 365 days: K001 bought 1,234.50 on 2025-01-05 and 2,000.00 on
    2025-06-15 (3,234.50), K002 99.99 on 2025-12-31: both active, two customers in the small tier (too few
    for a top, big or medium one), 3,334.49 in all. K003's 10.00 of 2024-02-01 is before the window:
    inactive. The raw table keeps every line as the pyramid reads it: 1234.50, 2025-01-05 00:00:00."""
    _, pyramid, _ = polish
    summary = pyramid.summary()
    assert summary["small"] == (2, Decimal("3334.49"))
    assert summary["inactive"][0] == 1
    assert pyramid.levels() == {"K001": "active", "K002": "active", "K003": "inactive"}
    assert pyramid.query("select order_id, order_date, amount from raw.sales order by _row_number") == [
        ("Z-1", "2025-01-05 00:00:00", "1234.50"),
        ("Z-2", "2025-12-31 00:00:00", "99.99"),
        ("Z-3", "2025-06-15 14:05:00", "2000.00"),
        ("Z-4", "2024-02-01 00:00:00", "10.00"),
    ]


def test_an_arabic_export_with_arabic_indic_digits(tmp_path):
    """1,234.50 and 05/01/2025 in Arabic-Indic digits and separators are 1234.50 and 5 January 2025 (day
    first): as of 2025-12-31, C-7's 1,234.50 and C-8's 99.99 are both in the window, 1,334.49 in all."""
    dataset = Dataset(tmp_path)
    _write(dataset, ARABIC_HEADER, ARABIC_SALES, ",")
    settings = PyramidSettings.resolve(
        input_dir=dataset.input_dir,
        warehouse_dir=dataset.warehouse_dir,
        column_map=_map(tmp_path, ARABIC_MAP),
        day_first=True,
    )
    build_pyramid(settings, echo=False)
    pyramid = Pyramid(dataset.warehouse_dir)
    assert pyramid.summary()["small"] == (2, Decimal("1334.49"))
    assert pyramid.query("select customer_id, order_date, amount from raw.sales order by _row_number") == [
        ("C-7", "2025-01-05 00:00:00", "1234.50"),
        ("C-8", "2025-12-31 00:00:00", "99.99"),
    ]


@pytest.mark.parametrize(
    ("rows", "column_map", "flags", "message"),
    [
        (
            [("Z-1", "K001", "05.01.2025", "12.5")],
            POLISH_MAP,
            ("--decimal-comma", "--day-first"),
            "column Wartość brutto: row 1 (line 2) has '12.5', expected a number with a decimal comma",
        ),
        (
            [("Z-1", "K001", "31.02.2025", "12,5")],
            POLISH_MAP,
            ("--decimal-comma", "--day-first"),
            "sales.csv: column Data zamówienia: row 1 (line 2) has '31.02.2025', expected a date, day first",
        ),
        (
            [("Z-1", "K001", "05.01.2025", "12,5")],
            POLISH_MAP,
            ("--day-first",),
            "sales.csv: column Wartość brutto: row 1 (line 2) has '12,5', expected a number (like 1234.50",
        ),
        (
            [("Z-1", "K001", "05.01.2025", "12,5")],
            POLISH_MAP.replace("Wartość brutto", "Kwota"),
            ("--decimal-comma", "--day-first"),
            "required column amount is missing (the file has: Nr zamówienia, Klient, Data zamówienia,"
            " Wartość brutto, looked for amount as 'Kwota' by the column map)",
        ),
        (
            [("Z-1", "K001", "05.01.2025", "12,5")],
            "sales:\n  amont: Kwota\n",
            (),
            "columns.yml: sales.amont is not a column of sales; its columns are customer_id, order_date",
        ),
        (
            [("Z-1", "K001", "05.01.2025", "12,5")],
            "sale:\n  amount: Kwota\n",
            (),
            "columns.yml: unknown input 'sale'; the inputs are sales, customers, market, feedback",
        ),
    ],
)
def test_an_export_that_breaks_its_format_is_refused_by_its_own_value(
    tmp_path, rows, column_map, flags, message
):
    dataset = Dataset(tmp_path)
    _write(dataset, POLISH_HEADER, rows, ";")
    result = invoke_pyramid(
        "run",
        "--input",
        str(dataset.input_dir),
        "--warehouse",
        str(dataset.warehouse_dir),
        "--column-map",
        str(_map(tmp_path, column_map)),
        "--quiet",
        *flags,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.stderr
    assert not (dataset.warehouse_dir / "pyramid.duckdb").exists()


def test_inputs_landed_under_another_format_are_landed_again(polish, tmp_path):
    """The published Polish build read its unchanged files with a decimal comma; a run on the same files
    without it must read them again (and refuse 1 234,50) rather than keep what was landed the other way."""
    dataset, pyramid, column_map = polish
    before = hashlib.sha256(pyramid.path.read_bytes()).hexdigest()
    settings = PyramidSettings.resolve(
        input_dir=dataset.input_dir,
        warehouse_dir=dataset.warehouse_dir,
        column_map=column_map,
        day_first=True,
    )
    with pytest.raises(InputError, match="has '1 234,50', expected a number"):
        build_pyramid(settings, echo=False)
    assert hashlib.sha256(pyramid.path.read_bytes()).hexdigest() == before
