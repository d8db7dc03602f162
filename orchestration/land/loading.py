"""Land the raw input files in the warehouse's `raw` schema, refusing bad input with a precise message.

CSV columns are landed as text exactly as in the file, typed Parquet dates and numbers keep their type
(staging models cast either), but only after checking what the casts will need: required columns exist, ids
are present, dates and numbers parse, no duplicate lines or keys. The error names the file, the column and the
first offending row, so nothing fails deep inside dbt.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.core.paths import CONTACTS_TABLE, RAW_SCHEMA
from orchestration.core.raw_sql import column_types, date_value, decimal_value, is_text, text_value
from orchestration.core.settings import PyramidSettings
from orchestration.land.input_files import (
    INPUT_FORMAT_TABLE,
    InputFilesError,
    LandingPlan,
    input_files,
    record_files,
)
from orchestration.land.input_format import ColumnMapError, InputFormat, read_input_format


class InputError(ValueError):
    """Raw input that cannot be used; the message names the file, column and row."""


@dataclass(frozen=True)
class InputSpec:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    ids: tuple[str, ...] = ("customer_id",)
    unique_key: str | None = None
    is_required_input: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


SALES = InputSpec(
    name="sales",
    required=("customer_id", "order_date", "amount"),
    optional=("order_id", "quantity", "product_id", "status", "cost"),
    dates=("order_date",),
    numbers=("amount", "quantity", "cost"),
    is_required_input=True,
)
CUSTOMERS = InputSpec(
    name="customers",
    required=("customer_id",),
    optional=("signup_date", "country", "segment", "channel", "estimated_annual_wallet"),
    dates=("signup_date",),
    numbers=("estimated_annual_wallet",),
    unique_key="customer_id",
)
MARKET = InputSpec(
    name="market",
    required=("customer_id",),
    optional=("country", "segment"),
    unique_key="customer_id",
)
FEEDBACK = InputSpec(
    name="feedback",
    required=("customer_id", "response_date", "score"),
    dates=("response_date",),
    numbers=("score",),
)
COMPLAINTS = InputSpec(
    name="complaints",
    required=("customer_id", "opened_at"),
    optional=("complaint_id", "resolved_at"),
    dates=("opened_at", "resolved_at"),
    unique_key="complaint_id",
)
INPUTS = (SALES, CUSTOMERS, MARKET, FEEDBACK, COMPLAINTS)
INPUT_NAMES = tuple(spec.name for spec in INPUTS)
# The customers list's columns beyond the known ones (email, name, phone, ...) are landed apart, as text, in
# CONTACTS_TABLE (customer_id first); raw.customers keeps `_has_contact`.
_LANDING_COLUMNS = ("_row_number", "_source_file", "_has_contact")
# Money columns are checked against the staging type of money; other numbers against a wider scale.
MONEY_COLUMNS = ("amount", "cost", "estimated_annual_wallet")

# Staging casts money to DECIMAL(18, 2) and other numbers to DECIMAL(18, 3); a value the cast would reject is
# refused here first. Typed columns of these integer types always fit.
_SMALL_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "UINTEGER"}


@dataclass(frozen=True)
class LoadedInput:
    name: str
    files: tuple[Path, ...]
    rows: int
    new_rows: int
    action: str  # landed, appended or kept (see orchestration/land/input_files.py)

    @property
    def source(self) -> str:
        if not self.files:
            return "(none: empty table)"
        return (
            str(self.files[0])
            if len(self.files) == 1
            else f"{self.files[0].parent}/ ({len(self.files)} files)"
        )


def input_format_of(settings: PyramidSettings) -> InputFormat:
    """How the settings say the files are written (orchestration/land/input_format.py)."""
    try:
        return read_input_format(
            settings.column_map,
            {spec.name: spec.columns for spec in INPUTS},
            decimal_comma=settings.decimal_comma,
            day_first=settings.day_first,
        )
    except ColumnMapError as error:
        raise InputError(str(error)) from None


def _input_files(input_dir: Path, name: str) -> list[Path]:
    try:
        return input_files(input_dir, name)
    except InputFilesError as error:
        raise InputError(str(error)) from None


def load_inputs(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    *,
    keep_duplicates: bool = False,
    plan: LandingPlan | None = None,
    input_format: InputFormat | None = None,
) -> list[LoadedInput]:
    """Validate and land the inputs of `input_dir` in the raw schema of `con`.

    With a `plan` (the build file being a copy of the published warehouse), inputs it keeps are left as they
    are and sales files it lists are appended; everything else is landed from scratch.
    """
    if not input_dir.is_dir():
        raise InputError(f"{input_dir}: input folder does not exist")
    plan = plan or LandingPlan()
    input_format = input_format or InputFormat()
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    sales_before = _row_count(con, f"{RAW_SCHEMA}.sales") if "sales" in plan.append else 0
    loaded = []
    for spec in INPUTS:
        files = _input_files(input_dir, spec.name)
        action = plan.action(spec.name)
        if not files and spec.is_required_input:
            raise InputError(f"{input_dir}: no {spec.name}.csv, {spec.name}.parquet or {spec.name}/ found")
        new_rows = 0
        if action != "kept":
            new_files = plan.append[spec.name] if action == "appended" else files
            if action == "landed":
                con.execute(f"drop table if exists {RAW_SCHEMA}.{spec.name}")
                if spec is CUSTOMERS:
                    con.execute(f"drop table if exists {CONTACTS_TABLE}")
            headers = input_format.headers(spec.name)
            reference = (files[0], _spec_columns(con, spec, files[0], headers)) if len(files) > 1 else None
            for path in new_files:
                new_rows += _load_file(
                    con,
                    spec,
                    path,
                    keep_duplicates=keep_duplicates,
                    reference=reference,
                    input_format=input_format,
                )
            if not files:
                _create_empty(con, spec)
            if spec is CUSTOMERS:
                con.execute(f'create table if not exists {CONTACTS_TABLE} ("customer_id" varchar)')
            record_files(con, spec.name, new_files, replace=action == "landed")
        rows = _row_count(con, f"{RAW_SCHEMA}.{spec.name}")
        loaded.append(LoadedInput(spec.name, tuple(files), rows, new_rows, action))
    _record_load_state(con, loaded[0], sales_before)
    con.execute(
        f"create or replace table {INPUT_FORMAT_TABLE} as select ? as signature", [input_format.signature]
    )
    return loaded


def _row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def _record_load_state(con: duckdb.DuckDBPyConnection, sales: LoadedInput, rows_before: int) -> None:
    """What this build changed in the sales, for the incremental daily model (int_customer_daily_sales).

    `changed_from_date` is the earliest day of the appended lines (days from it on are recomputed); it is null
    when nothing was appended, and `sales_relanded` says the daily model must be built whole.
    `newest_order_date` is the latest day of all the landed lines: of the appended ones and the previous
    build's record, when the build carries the published lines on (no scan of the lines already landed).
    """
    types = column_types(con, f"{RAW_SCHEMA}.sales")
    day = date_value("order_date", types["order_date"], strict=False)
    changed_from = newest = None
    if sales.action == "appended" and sales.new_rows:
        changed_from, newest = con.execute(
            f"select min({day}), max({day}) from {RAW_SCHEMA}.sales where _row_number > ?", [rows_before]
        ).fetchone()
    previous = _previous_newest_order_date(con) if sales.action != "landed" else None
    if sales.action == "landed" or previous is None:
        newest = con.execute(f"select max({day}) from {RAW_SCHEMA}.sales").fetchone()[0]
    else:
        newest = max(known for known in (previous, newest) if known is not None)
    con.execute(
        f"""
        create or replace table {RAW_SCHEMA}.load_state as
        select
            cast(? as varchar) as sales_action,
            cast(? as bigint) as sales_new_rows,
            cast(? as date) as changed_from_date,
            cast(? as boolean) as sales_relanded,
            cast(? as date) as newest_order_date
        """,
        [sales.action, sales.new_rows, changed_from, sales.action == "landed", newest],
    )


def _previous_newest_order_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The newest sale the carried-on load state recorded (None: none recorded, as by older versions)."""
    exists = con.execute(
        "select count(*) from duckdb_columns()"
        " where schema_name = ? and table_name = 'load_state' and column_name = 'newest_order_date'",
        [RAW_SCHEMA],
    ).fetchone()[0]
    if not exists:
        return None
    return con.execute(f"select newest_order_date from {RAW_SCHEMA}.load_state").fetchone()[0]


def _create_empty(con: duckdb.DuckDBPyConnection, spec: InputSpec) -> None:
    columns = ", ".join(f'"{column}" varchar' for column in spec.columns)
    con.execute(
        f"create or replace table {RAW_SCHEMA}.{spec.name} "
        f"({columns}, _row_number bigint, _source_file varchar)"
    )


def _spec_columns(
    con: duckdb.DuckDBPyConnection, spec: InputSpec, path: Path, headers: dict[str, str]
) -> set[str]:
    """The input's columns that a file has (its header or Parquet schema only), by the pyramid's names."""
    reader = (
        "read_parquet(?)" if path.suffix == ".parquet" else "read_csv(?, header = true, all_varchar = true)"
    )
    try:
        names = [row[0] for row in con.execute(f"describe select * from {reader}", [str(path)]).fetchall()]
    except duckdb.Error:
        return set()  # the file's own check says why it cannot be read
    return set(_present(spec, names, headers))


def _load_file(
    con: duckdb.DuckDBPyConnection,
    spec: InputSpec,
    path: Path,
    *,
    keep_duplicates: bool,
    reference: tuple[Path, set[str]] | None = None,
    input_format: InputFormat,
) -> int:
    staged = f"_landing_{spec.name}"
    _read_into(con, staged, path)
    try:
        file_columns = _column_names(con, staged)
        headers = input_format.headers(spec.name)
        present = _present(spec, file_columns, headers)
        _check_columns(spec, path, file_columns, present, headers)
        if reference is not None:
            _check_same_columns(spec, path, set(present), *reference)
        row_count = con.execute(f"select count(*) from {staged}").fetchone()[0]
        if row_count == 0:
            raise InputError(f"{path}: the file has a header but no rows")
        checker = _Checker(con, staged, path)
        _read_as_formatted(con, staged, spec, present, input_format, checker)
        types = column_types(con, staged)
        for column in spec.ids:
            checker.require_id(present[column])
        for column in spec.columns:
            if column.endswith("_id") and column in present:  # every id: customer, order, product, ...
                checker.require_printable(present[column])
        for column in spec.dates:
            if column in present:
                expected = "a date (YYYY-MM-DD)"
                if _is_typed_date(types[present[column]]):
                    if column in spec.required:  # typed (Parquet): it parses; only a null can be wrong
                        checker.require_present(present[column], expected)
                    continue
                checker.require_parse(
                    present[column], "timestamp", expected, required=column in spec.required
                )
        for column in spec.numbers:
            if column in present:
                scale = 2 if column in MONEY_COLUMNS else 3
                expected = "a number (like 1234.50, with no currency sign or thousands separator)"
                if _fits_decimal(types[present[column]], scale):
                    if column in spec.required:
                        checker.require_present(present[column], expected)
                    continue
                checker.require_parse(present[column], "double", expected, required=column in spec.required)
                checker.require_exact_decimal(present[column], scale, types[present[column]])
        if spec.unique_key and spec.unique_key in present:
            checker.require_unique(present[spec.unique_key])
        if spec is COMPLAINTS and "resolved_at" in present:
            checker.require_not_before(present["resolved_at"], present["opened_at"])
        landed = f"{RAW_SCHEMA}.{spec.name}"
        appending = _table_exists(con, landed)
        if spec is SALES and "order_id" in present and not keep_duplicates:
            checker.require_no_duplicate_lines(
                [present[c] for c in spec.columns if c in present], present["order_id"]
            )
            if appending:
                checker.require_not_landed_before(
                    _line_values(spec, present, types),
                    landed,
                    _line_values(spec, None, column_types(con, landed)),
                )
        _land(con, spec, staged, path, present, appending=appending)
        return row_count
    finally:
        con.execute(f"drop table if exists {staged}")


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?"
            " and database_name = current_database()",
            [schema, name],
        ).fetchone()[0]
    )


def _line_values(spec: InputSpec, present: dict[str, str] | None, types: dict[str, str]) -> list[str]:
    """One typed SQL value per column of a sales line, whichever way the file typed it (null when absent)."""
    values = []
    for column in spec.columns:
        name = present.get(column) if present is not None else column
        if name is None or name not in types:
            values.append("null")
        elif column in spec.dates:
            values.append(date_value(name, types[name], strict=False))
        elif column in spec.numbers:
            values.append(decimal_value(name, types[name], 2 if column in MONEY_COLUMNS else 3, strict=False))
        else:
            values.append(text_value(name, types[name]))
    return values


def _read_into(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Read the file into a temporary table whose rowid follows the file's order."""
    if path.suffix == ".parquet":
        reader = "read_parquet(?)"
    else:
        if path.stat().st_size == 0:
            raise InputError(f"{path}: the file is empty (no header, no rows)")
        reader = "read_csv(?, header = true, all_varchar = true, auto_detect = true)"
    try:
        con.execute(f"create or replace temp table {table} as select * from {reader}", [str(path)])
    except duckdb.Error as error:
        if "not utf-8 encoded" in str(error):
            raise InputError(_invalid_utf8(path)) from None
        too_long = re.search(r"Maximum line size of (\d+) bytes exceeded", str(error))
        if too_long:
            raise InputError(_line_too_long(path, int(too_long.group(1)))) from None
        first_line = str(error).strip().splitlines()[0]
        raise InputError(f"{path}: cannot be read: {first_line}") from None


def _line_too_long(path: Path, limit: int) -> str:
    """Where the first line longer than DuckDB reads is (DuckDB's own count of lines is off there)."""
    with open(path, "rb") as handle:
        for line_number, line in enumerate(iter(lambda: handle.readline(limit + 2), b""), start=1):
            length = len(line)
            while not line.endswith(b"\n") and len(line) == limit + 2:  # read the rest of a long line
                line = handle.readline(limit + 2)
                length += len(line)
            if length > limit:
                where = (
                    f"row {line_number - 1} (line {line_number})"
                    if line_number > 1
                    else "line 1 (the header)"
                )
                return (
                    f"{path}: {where} is {length:,} bytes long, more than the {limit:,} bytes DuckDB reads as"
                    " one line; is a quote left open, or a field this long?"
                )
    return f"{path}: a line is longer than the {limit:,} bytes DuckDB reads as one line"


def _invalid_utf8(path: Path) -> str:
    """Where the first byte that is not UTF-8 is: its row and column (looked for only once refused)."""
    with open(path, "rb") as handle:
        header = next(csv.reader([handle.readline().decode("utf-8", errors="replace")]), [])
        for line_number, line in enumerate(handle, start=2):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                fields = next(csv.reader([line.decode("utf-8", errors="replace")]), [])
                column = next(
                    (name for name, value in zip(header, fields, strict=False) if "\ufffd" in value), None
                )
                where = f"column {column}: " if column else ""
                return (
                    f"{path}: {where}row {line_number - 1} (line {line_number}) is not valid UTF-8;"
                    " save the file as UTF-8"
                )
    return f"{path}: the file is not valid UTF-8; save it as UTF-8"


def _column_names(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {table}").fetchall()]


def _fits_decimal(sql_type: str, scale: int) -> bool:
    """A typed column (Parquet) whose every value fits DECIMAL(18, scale): no need to check each value."""
    if sql_type in _SMALL_INTEGERS:
        return True
    found = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", sql_type)
    return bool(found) and int(found[2]) <= scale and int(found[1]) - int(found[2]) <= 18 - scale


def _present(spec: InputSpec, file_columns: list[str], headers: dict[str, str]) -> dict[str, str]:
    """The pyramid's column → the file's column that holds it: the header the column map names, else the
    column's own name (case and surrounding spaces aside)."""
    by_header = {column.strip().lower(): column for column in file_columns}
    found = {column: by_header.get(headers.get(column, column).lower()) for column in spec.columns}
    return {column: name for column, name in found.items() if name is not None}


def _read_as_formatted(
    con: duckdb.DuckDBPyConnection,
    staged: str,
    spec: InputSpec,
    present: dict[str, str],
    input_format: InputFormat,
    checker: _Checker,
) -> None:
    """Check the text numbers and dates against the input format, naming the first value that breaks it as
    the file has it, then rewrite them in place as the later checks and staging read them (1234.50,
    2025-12-31 00:00:00). Typed (Parquet) columns and a format with nothing to rewrite are left alone."""
    types = column_types(con, staged)
    numbers = [c for c in spec.numbers if c in present and is_text(types[present[c]])]
    dates = [c for c in spec.dates if c in present and is_text(types[present[c]])]
    if not numbers and not dates:
        return
    rewritten = {}
    for column in numbers + dates:
        text = f"nullif(trim({_quoted(present[column])}), '')"
        rewritten[column] = input_format.western_digits(text)
    eastern = " or ".join(
        f"{input_format.western_digits(_quoted(present[column]))} <> {_quoted(present[column])}"
        for column in rewritten
    )
    if (
        not (input_format.decimal_comma or input_format.day_first)
        and not con.execute(f"select exists (select 1 from {staged} where {eastern})").fetchone()[0]
    ):
        return  # the default format and Western digits: the values are read as they are
    if input_format.decimal_comma:
        for column in numbers:
            checker.refuse_unless(
                present[column],
                f"{rewritten[column]} is not null and not regexp_matches({rewritten[column]},"
                f" '{input_format.number_pattern()}')",
                "a number with a decimal comma (like 1234,50 or 1.234,50; --decimal-comma)",
            )
            rewritten[column] = input_format.number_value(rewritten[column])
    if input_format.day_first:
        for column in dates:
            value = input_format.date_value(rewritten[column])
            iso = f"try_cast({rewritten[column]} as timestamp)"
            checker.refuse_unless(
                present[column],
                f"{rewritten[column]} is not null and {value} is null and {iso} is null",
                "a date, day first (like 31.12.2025, 31/12/2025 or 31-12-2025; --day-first)",
            )
            rewritten[column] = f"coalesce({value}, {rewritten[column]})"
    replaced = {present[column]: text for column, text in rewritten.items()}
    selected = ", ".join(
        f"{replaced[name]} as {_quoted(name)}" if name in replaced else _quoted(name)
        for name in _column_names(con, staged)
    )
    con.execute(f"create or replace temp table {staged} as select {selected} from {staged} order by rowid")


def _check_columns(
    spec: InputSpec, path: Path, file_columns: list[str], present: dict[str, str], headers: dict[str, str]
) -> None:
    lowered = [column.strip().lower() for column in file_columns]
    missing = [column for column in spec.required if column not in present]
    if missing:
        mapped = [f"{column} as {headers[column]!r}" for column in missing if column in headers]
        looked_for = f", looked for {', '.join(mapped)} by the column map" if mapped else ""
        raise InputError(
            f"{path}: required column {', '.join(missing)} is missing "
            f"(the file has: {', '.join(file_columns)}{looked_for})"
        )
    clashes = {column for column in lowered if lowered.count(column) > 1}
    if clashes:
        raise InputError(f"{path}: column {', '.join(sorted(clashes))} appears more than once")


def _check_same_columns(
    spec: InputSpec, path: Path, columns: set[str], first: Path, first_columns: set[str]
) -> None:
    """Every file of a folder has the same columns of the input: a mixed folder is a feed that changed."""
    if first_columns and columns != first_columns:
        only_here, only_first = sorted(columns - first_columns), sorted(first_columns - columns)
        differences = [
            *([f"{', '.join(only_here)} only in this file"] if only_here else []),
            *([f"{', '.join(only_first)} only in {first.name}"] if only_first else []),
        ]
        raise InputError(
            f"{path}: columns differ from the folder's first file {first.name} ({'; '.join(differences)});"
            f" every file of {path.parent.name}/ needs the same columns"
        )


# C0 control characters and DEL, as an RE2 class (DuckDB's regular expressions).
CONTROL_CHARACTER = r"[\x00-\x1f\x7f]"


class _Checker:
    """Finds the first row that breaks a rule, and says where it is."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
        self.con = con
        self.table = table
        self.path = path
        self.is_csv = path.suffix != ".parquet"

    def _where(self, row: int) -> str:
        return f"row {row} (line {row + 1})" if self.is_csv else f"row {row}"

    def _first_offender(self, column: str, condition: str) -> tuple[int, object, int] | None:
        found = self.con.execute(
            f'select rowid + 1, cast("{column}" as varchar), count(*) over () '
            f"from {self.table} where {condition} order by rowid limit 1"
        ).fetchone()
        return found

    def require_id(self, column: str) -> None:
        found = self._first_offender(
            column, f'"{column}" is null or trim(cast("{column}" as varchar)) = \'\''
        )
        if found:
            row, _, count = found
            raise InputError(
                f"{self.path}: column {column}: {self._where(row)} has an empty {column}"
                f" ({count} row{'s' if count > 1 else ''} in all); every row needs one"
            )

    def require_printable(self, column: str) -> None:
        """Ids are printable text: with a control character (a NUL, a tab, an escape) `c<NUL>3` and `c3` would
        be two customers that print the same."""
        value = f'cast("{column}" as varchar)'
        found = self.con.execute(
            f"select rowid + 1, ascii(regexp_extract({value}, '{CONTROL_CHARACTER}')), count(*) over ()"
            f" from {self.table} where regexp_matches({value}, '{CONTROL_CHARACTER}') order by rowid limit 1"
        ).fetchone()
        if found:
            row, code, count = found
            raise InputError(
                f"{self.path}: column {column}: {self._where(row)} has a control character (U+{code:04X}) in"
                f" its {column} ({count} row{'s' if count > 1 else ''} in all); ids must be printable text"
            )

    def require_present(self, column: str, expected: str) -> None:
        """A typed column needs no parsing; it may still hold nulls."""
        self._refuse_bad_value(column, f'"{column}" is null', expected)

    def require_parse(self, column: str, sql_type: str, expected: str, *, required: bool) -> None:
        text = f'trim(cast("{column}" as varchar))'
        bad_value = f"({text} != '' and try_cast({text} as {sql_type}) is null)"
        condition = f"({text} is null or {text} = '' or {bad_value})" if required else bad_value
        self._refuse_bad_value(column, condition, expected)

    def require_exact_decimal(self, column: str, scale: int, sql_type: str) -> None:
        """A number (known to parse) fits DECIMAL(18, scale) exactly: no digit is rounded away or cut off.

        Typed floating-point values (a Parquet DOUBLE) are read from their shortest exact decimal form, so
        10.5 is 10.50 and 0.1 + 0.2 (0.30000000000000004) is refused rather than rounded."""
        text = f"nullif(trim(cast(\"{column}\" as varchar)), '')"
        fitted = f"try_cast({text} as decimal(18, {scale}))"
        integer_digits = 18 - scale
        self._refuse_bad_value(
            column,
            f"{text} is not null and {fitted} is null",
            f"a number of at most {integer_digits} digits before the decimal point (out of range)",
        )
        stored_as = (
            f" (the column is stored as {sql_type}: store money as DECIMAL(18, 2))"
            if sql_type
            in (
                "DOUBLE",
                "FLOAT",
            )
            else ""
        )
        self._refuse_bad_value(
            column,
            f"{fitted} is distinct from try_cast({text} as decimal(38, 20))",
            f"at most {scale} decimals{stored_as}; nothing is rounded",
        )

    def refuse_unless(self, column: str, bad: str, expected: str) -> None:
        """Refuse the first row where `bad` holds, naming the value of `column` as the file has it."""
        self._refuse_bad_value(column, bad, expected)

    def _refuse_bad_value(self, column: str, condition: str, expected: str) -> None:
        found = self._first_offender(column, condition)
        if found:
            row, value, count = found
            shown = "an empty value" if value is None or not value.strip() else f"{value!r}"
            raise InputError(
                f"{self.path}: column {column}: {self._where(row)} has {shown}, expected {expected}"
                f" ({count} bad row{'s' if count > 1 else ''} in all)"
            )

    def require_not_before(self, column: str, earlier: str) -> None:
        """`column`, where given, is not before `earlier` (both already known to parse)."""

        def as_time(name: str) -> str:
            return f"try_cast(nullif(trim(cast(\"{name}\" as varchar)), '') as timestamp)"

        found = self._first_offender(column, f"{as_time(column)} < {as_time(earlier)}")
        if found:
            row, value, count = found
            raise InputError(
                f"{self.path}: column {column}: {self._where(row)} has {value!r}, before its {earlier}"
                f" ({count} bad row{'s' if count > 1 else ''} in all)"
            )

    def require_unique(self, column: str) -> None:
        found = self.con.execute(
            f"select key, rows[1], rows[2], count(*) over () from ("
            f'  select trim(cast("{column}" as varchar)) as key, list(rowid + 1 order by rowid) as rows'
            f"  from {self.table} group by key having count(*) > 1"
            f") order by rows[1] limit 1"
        ).fetchone()
        if found:
            key, first, second, count = found
            raise InputError(
                f"{self.path}: column {column}: {key!r} appears more than once, at {self._where(first)}"
                f" and {self._where(second)} ({count} repeated value{'s' if count > 1 else ''} in all)"
            )

    def require_no_duplicate_lines(self, columns: list[str], order_id: str) -> None:
        """Lines equal in every column, order_id included, are the same line loaded twice."""
        column_list = ", ".join(f'"{column}"' for column in columns)
        # A cheap pass on one hash per line first; the exact grouping only where two lines share a hash.
        candidates = (
            f"select hash({column_list}) as line_hash from {self.table} group by 1 having count(*) > 1"
        )
        if not self.con.execute(f"select exists ({candidates})").fetchone()[0]:
            return
        found = self.con.execute(
            f"select rows[1], rows[2], order_id, sum(len(rows) - 1) over () from ("
            f'  select any_value("{order_id}") as order_id, list(rowid + 1 order by rowid) as rows'
            f"  from {self.table} where hash({column_list}) in ({candidates})"
            f"  group by {column_list} having count(*) > 1"
            f") order by rows[1] limit 1"
        ).fetchone()
        if found:
            first, second, order_id_value, extra = found
            raise InputError(
                f"{self.path}: {extra} duplicate line{'s' if extra > 1 else ''} (same order_id and all"
                f" other columns equal); the first is order_id {order_id_value!r} at"
                f" {self._where(first)}, repeated at {self._where(second)}. Remove them, or pass"
                f" --keep-duplicates if they are real repeat lines"
            )

    def require_not_landed_before(self, values: list[str], landed: str, landed_values: list[str]) -> None:
        """No line of this file equals a line landed from an earlier file (compared as typed values)."""
        pairs = " and ".join(f"new.v{i} is not distinct from old.v{i}" for i in range(len(values)))
        new_lines = ", ".join(f"{value} as v{i}" for i, value in enumerate(values))
        old_lines = ", ".join(f"{value} as v{i}" for i, value in enumerate(landed_values))
        found = self.con.execute(
            f"with new as ("
            f"  select rowid + 1 as row, hash({', '.join(values)}) as h, {new_lines} from {self.table}),"
            f" old as (select _row_number, _source_file, hash({', '.join(landed_values)}) as h, {old_lines}"
            f"  from {landed} where hash({', '.join(landed_values)}) in (select h from new))"
            f" select new.row, old._source_file, old._row_number, count(*) over ()"
            f" from new join old on new.h = old.h and {pairs} order by new.row limit 1"
        ).fetchone()
        if found:
            row, earlier_file, earlier_row, count = found
            raise InputError(
                f"{self.path}: {self._where(row)} repeats a line already landed from {earlier_file}"
                f" (landed line {earlier_row}; {count} repeated line{'s' if count > 1 else ''} in all)."
                f" Remove them, or pass --keep-duplicates if they are real repeat lines"
            )


def _land(
    con: duckdb.DuckDBPyConnection,
    spec: InputSpec,
    staged: str,
    path: Path,
    present: dict[str, str],
    *,
    appending: bool,
) -> None:
    """Create the raw table from the file, or append the file's lines (numbered on after the landed ones)."""
    types = column_types(con, staged)
    table = f"{RAW_SCHEMA}.{spec.name}"
    extra = _land_contacts(con, staged, present) if spec is CUSTOMERS else ""
    if not appending:
        selected = [
            f'{_landed_value(spec, column, present[column], types[present[column]])} as "{column}"'
            if column in present
            else f'cast(null as varchar) as "{column}"'
            for column in spec.columns
        ]
        con.execute(
            f"create table {table} as "
            f"select {', '.join(selected)}, rowid + 1 as _row_number, ? as _source_file{extra} "
            f"from {staged}",
            [str(path)],
        )
        return
    # Appended lines take the landed table's column types (text stays text; typed values stay typed).
    landed = column_types(con, table)
    values = dict(zip(spec.columns, _line_values(spec, present, types), strict=True))
    selected = [
        f'cast({values[column]} as {landed[column]}) as "{column}"'
        if not is_text(landed[column]) or column not in present
        else f'cast("{present[column]}" as varchar) as "{column}"'
        for column in spec.columns
    ]
    offset = con.execute(f"select coalesce(max(_row_number), 0) from {table}").fetchone()[0]
    if extra and "_has_contact" not in landed:
        con.execute(f"alter table {table} add column _has_contact boolean")
    con.execute(
        f"insert into {table} by name "
        f"select {', '.join(selected)}, rowid + 1 + {offset} as _row_number, ? as _source_file{extra} "
        f"from {staged}",
        [str(path)],
    )


def _land_contacts(con: duckdb.DuckDBPyConnection, staged: str, present: dict[str, str]) -> str:
    """Land the customers file's own columns (beyond the known ones) in CONTACTS_TABLE, as text; returns the
    select item of raw.customers' `_has_contact`: whether any of them is filled in (none: no item).

    A name that is also a known column or a landing column is not a contact column; names are kept as the
    file spells them (trimmed), so the CRM finds its own headers in the action lists."""
    known = {*CUSTOMERS.columns, *_LANDING_COLUMNS}
    extras = [
        name
        for name in _column_names(con, staged)
        if name.strip().lower() not in known and name.strip() and name not in present.values()
    ]
    if not extras:
        return ""
    id_column = present["customer_id"]
    con.execute(f'create table if not exists {CONTACTS_TABLE} ("customer_id" varchar)')
    landed = {name.lower() for name in column_types(con, CONTACTS_TABLE)}
    for name in extras:
        if name.strip().lower() not in landed:
            con.execute(f"alter table {CONTACTS_TABLE} add column {_quoted(name.strip())} varchar")
            landed.add(name.strip().lower())
    values = [f"nullif(trim(cast({_quoted(name)} as varchar)), '')" for name in extras]
    selected = ", ".join(
        f"{value} as {_quoted(name.strip())}" for value, name in zip(values, extras, strict=True)
    )
    con.execute(
        f"insert into {CONTACTS_TABLE} by name select trim(cast({_quoted(id_column)} as varchar))"
        f' as "customer_id", {selected} from {staged}'
    )
    return f", coalesce({', '.join(values)}) is not null as _has_contact"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _landed_value(spec: InputSpec, column: str, name: str, sql_type: str) -> str:
    """Typed dates and numbers keep their type (staging casts them directly); the rest lands as text."""
    if column in spec.dates and _is_typed_date(sql_type):
        return f'"{name}"'
    if column in spec.numbers and _fits_decimal(sql_type, 2 if column in MONEY_COLUMNS else 3):
        return f'"{name}"'
    return f'cast("{name}" as varchar)'


def _is_typed_date(sql_type: str) -> bool:
    return sql_type == "DATE" or sql_type.startswith("TIMESTAMP")
