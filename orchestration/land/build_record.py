"""The settings a build was made with, kept beside its raw data in `raw.build_settings`.

The landing step writes the record once, with the as-of date it resolved: one column per setting of
PyramidSettings (its plain form: text, a number or a boolean) and `as_of_requested`, what was asked for (null:
the default, the latest order_date), so the independent check can work the default out again on its own
instead of trusting the resolved date. Every later step of the run, the independent expected values and a
later `pyramid validate` read it back, so all of them use one value of each setting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.core.duckdb_reader import connect_read_only
from orchestration.core.paths import RAW_SCHEMA
from orchestration.core.raw_sql import column_types
from orchestration.core.settings import SETTING_TYPES, PyramidSettings

BUILD_SETTINGS = f"{RAW_SCHEMA}.build_settings"
LOAD_STATE = f"{RAW_SCHEMA}.load_state"  # written by the landing (loading.py)
_SQL_TYPES = {dt.date: "date", int: "bigint", bool: "boolean"}  # anything else: varchar


@dataclass(frozen=True)
class RecordedSettings:
    settings: PyramidSettings
    """What the build was made with, the resolved as-of date included."""
    as_of_requested: dt.date | None
    """The as-of date the run asked for; None: the latest order_date of the sales."""


def record_settings(
    con: duckdb.DuckDBPyConnection, settings: PyramidSettings, as_of_requested: dt.date | None
) -> PyramidSettings:
    """Resolve the as-of date (as requested, else the latest landed sale) and record it with the settings."""
    resolved = PyramidSettings.resolve(
        environ={}, **{**settings.plain(), "as_of_date": as_of_requested or recorded_newest_order_date(con)}
    )
    values = {**resolved.plain(), "as_of_requested": as_of_requested}
    columns = ",\n".join(
        f'cast(? as {_SQL_TYPES.get(SETTING_TYPES.get(name, dt.date), "varchar")}) as "{name}"'
        for name in values
    )
    con.execute(
        f"create or replace table {BUILD_SETTINGS} as select {columns}, current_timestamp as built_at",
        list(values.values()),
    )
    return resolved


def read_recorded_settings(build_file: Path) -> RecordedSettings:
    """The record of a build; a setting a build of an older version did not record takes its default."""
    with connect_read_only(build_file) as con:
        cursor = con.execute(f"select * from {BUILD_SETTINGS}")
        row = dict(zip([column[0] for column in cursor.description], cursor.fetchone(), strict=True))
    recorded = {name: value for name, value in row.items() if name in SETTING_TYPES}
    return RecordedSettings(PyramidSettings.resolve(environ={}, **recorded), row.get("as_of_requested"))


def recorded_newest_order_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The latest sale landed in a build, as its landing recorded it (None for a warehouse landed before
    that was recorded)."""
    if "newest_order_date" not in column_types(con, LOAD_STATE):
        return None
    return con.execute(f"select newest_order_date from {LOAD_STATE}").fetchone()[0]


def read_newest_order_date(build_file: Path) -> dt.date | None:
    with connect_read_only(build_file) as con:
        return recorded_newest_order_date(con)
