"""SQL that reads a raw column whatever type it was landed with.

CSV columns land as text, exactly as in the file; typed Parquet columns (DATE, DECIMAL, integers) land with
their own type, so 100 million dates and amounts are not turned into text and parsed back. Every reader of the
raw schema in Python goes through these expressions (dbt's staging models use the macro `raw_value`).
"""

from __future__ import annotations

import duckdb


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of a table, e.g. {"amount": "DECIMAL(18,2)"}."""
    return {row[0]: row[1] for row in con.execute(f"describe {table}").fetchall()}


def is_text(sql_type: str) -> bool:
    return sql_type.upper() == "VARCHAR"


def text_value(column: str, sql_type: str) -> str:
    """The column as trimmed text, empty text as null."""
    if is_text(sql_type):
        return f"nullif(trim(\"{column}\"), '')"
    return f'cast("{column}" as varchar)'


def date_value(column: str, sql_type: str, *, strict: bool = True) -> str:
    """The column as a DATE (text may carry a time); `strict=False` gives null where text won't parse."""
    if not is_text(sql_type):
        return f'cast("{column}" as date)'
    cast = "cast" if strict else "try_cast"
    return f"cast({cast}({text_value(column, sql_type)} as timestamp) as date)"


def decimal_value(column: str, sql_type: str, scale: int = 2, *, strict: bool = True) -> str:
    """The column as DECIMAL(18, scale)."""
    if not is_text(sql_type):
        return f'cast("{column}" as decimal(18, {scale}))'
    cast = "cast" if strict else "try_cast"
    return f"{cast}({text_value(column, sql_type)} as decimal(18, {scale}))"


def sql_string(text: object) -> str:
    """A SQL string literal of `text` (a path, say) for the statements that take no parameters (COPY, ATTACH):
    quotes doubled, so a path like /data/o'brien/ is one string, never SQL."""
    return "'" + str(text).replace("'", "''") + "'"
