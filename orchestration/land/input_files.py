"""Which input files a build must land, and which ones the published warehouse already holds.

A daily run should land only the new day's file. Each input is one file (`sales.parquet`, `sales.csv`) or a
folder of them (`sales/*.parquet`, `sales/*.csv`, read in name order). The warehouse records every file it
landed, with its size and modification time, in `raw.input_files`; a build starts from a copy of the
published warehouse and lands only what changed:

- an input whose files are all as recorded is kept as it is;
- sales whose recorded files are all unchanged and which has new files gets only the new files appended
  (a late correction is a new file with lines for earlier days: see `raw.load_state`);
- any other change (a file edited, replaced or removed, a changed duplicate setting) lands that input again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.core.paths import RAW_SCHEMA
from orchestration.core.warehouse_files import STORAGE_VERSION
from orchestration.land.input_format import InputFormat

LEDGER = f"{RAW_SCHEMA}.input_files"
# How the files were read (orchestration/land/input_format.py): inputs landed under another format land again.
INPUT_FORMAT_TABLE = f"{RAW_SCHEMA}.input_format"
SUFFIXES = (".csv", ".parquet")
DEFAULT_INPUT_FORMAT = InputFormat().signature
# Inputs that grow by new files; the others are lists replaced whole when they change.
APPENDABLE = ("sales",)


class InputFilesError(ValueError):
    """The input folder holds an ambiguous set of files for one input."""


@dataclass(frozen=True)
class InputFile:
    path: Path
    size: int
    modified_ns: int

    @classmethod
    def of(cls, path: Path) -> InputFile:
        stat = path.stat()
        return cls(path.resolve(), stat.st_size, stat.st_mtime_ns)


def input_files(input_dir: Path, name: str) -> list[Path]:
    """DIR/name.csv, DIR/name.parquet or the files of folder DIR/name/ (in name order); [] when none."""
    single = [
        input_dir / f"{name}{suffix}" for suffix in SUFFIXES if (input_dir / f"{name}{suffix}").is_file()
    ]
    folder = input_dir / name
    in_folder = (
        sorted(path for path in folder.iterdir() if path.suffix in SUFFIXES and path.is_file())
        if folder.is_dir()
        else []
    )
    if len(single) + bool(in_folder) > 1:
        found = [*(path.name for path in single), *([f"{name}/"] if in_folder else [])]
        raise InputFilesError(f"{input_dir}: {' and '.join(found)} exist side by side; keep one of them")
    return single or in_folder


@dataclass
class LandingPlan:
    """What to do with each input: keep the landed table, append new files, or land it again."""

    keep: set[str] = field(default_factory=set)
    append: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def reuses_published(self) -> bool:
        return bool(self.keep or self.append)

    def action(self, name: str) -> str:
        if name in self.keep:
            return "kept"
        return "appended" if name in self.append else "landed"


def plan_landing(
    published: Path,
    input_dir: Path,
    names: tuple[str, ...],
    *,
    keep_duplicates: bool,
    input_format: str = DEFAULT_INPUT_FORMAT,
) -> LandingPlan:
    """Compare the input folder with the files the published warehouse landed (`input_format`: the
    signature of how this build reads them)."""
    recorded = _recorded_files(published, keep_duplicates=keep_duplicates, input_format=input_format)
    plan = LandingPlan()
    if recorded is None or not input_dir.is_dir():
        return plan
    for name in names:
        current = [InputFile.of(path) for path in input_files(input_dir, name)]
        previous = set(recorded.get(name, []))
        if previous == set(current):
            plan.keep.add(name)
        elif name in APPENDABLE and previous and previous <= set(current):
            plan.append[name] = [file.path for file in current if file not in previous]
    return plan


def _recorded_files(
    published: Path, *, keep_duplicates: bool, input_format: str
) -> dict[str, list[InputFile]] | None:
    """The published warehouse's landed files per input; None when it cannot be built upon."""
    if not published.exists():
        return None
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            storage = con.execute(
                "select tags['storage_version'] from duckdb_databases()"
                " where database_name = current_database()"
            ).fetchone()[0]
            stored_keep = con.execute(f"select keep_duplicates from {RAW_SCHEMA}.build_settings").fetchone()
            recorded = _ledger(con)
            stored_format = _stored_format(con)
    except duckdb.Error:  # an older warehouse without a ledger, or an unreadable file: land everything
        return None
    if not stored_keep or stored_keep[0] != keep_duplicates or stored_format != input_format:
        return None
    if not (storage or "").startswith(STORAGE_VERSION):  # written before it was set: build a new file
        return None
    return recorded


def _stored_format(con: duckdb.DuckDBPyConnection) -> str:
    """The signature of the format the published inputs were read with (the default before it was kept)."""
    kept = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [RAW_SCHEMA, INPUT_FORMAT_TABLE.split(".")[1]],
    ).fetchone()[0]
    if not kept:
        return DEFAULT_INPUT_FORMAT
    return con.execute(f"select signature from {INPUT_FORMAT_TABLE}").fetchone()[0]


def landed_files(published: Path) -> dict[str, list[InputFile]]:
    """The files the published warehouse has landed, per input ({} when there is none, or no ledger)."""
    if not published.exists():
        return {}
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            return _ledger(con)
    except duckdb.Error:
        return {}


def _ledger(con: duckdb.DuckDBPyConnection) -> dict[str, list[InputFile]]:
    recorded: dict[str, list[InputFile]] = {}
    query = f"select input, path, size, modified_ns from {LEDGER} order by input, position"
    for name, path, size, modified_ns in con.execute(query).fetchall():
        recorded.setdefault(name, []).append(InputFile(Path(path), size, modified_ns))
    return recorded


def record_files(con: duckdb.DuckDBPyConnection, name: str, files: list[Path], *, replace: bool) -> None:
    """Write the landed files of one input into the ledger (replacing its rows, or adding to them)."""
    con.execute(
        f"create table if not exists {LEDGER} "
        "(input varchar, position integer, path varchar, size bigint, modified_ns bigint)"
    )
    if replace:
        con.execute(f"delete from {LEDGER} where input = ?", [name])
    start = con.execute(
        f"select coalesce(max(position), 0) from {LEDGER} where input = ?", [name]
    ).fetchone()[0]
    for position, path in enumerate(files, start=start + 1):
        file = InputFile.of(path)
        con.execute(
            f"insert into {LEDGER} values (?, ?, ?, ?, ?)",
            [name, position, str(file.path), file.size, file.modified_ns],
        )
