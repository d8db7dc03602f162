"""Publish a finished build atomically: the DuckDB file and its Parquet and CSV copies switch together.

A failed or killed build therefore never leaves the published warehouse half-overwritten: readers see either
the previous good file or the new one. Each run builds in its own folder, `.build/<run id>/`, under the
published file's name (orchestration/core/warehouse_files.py), because DuckDB names the catalog after the file
and views refer to it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.core.duckdb_reader import connect_read_only
from orchestration.core.paths import CONTACTS_TABLE
from orchestration.core.raw_sql import column_types, is_text, sql_string
from orchestration.core.warehouse_files import build_folder, last_build_dbt_dir, published_path, serving_dir
from orchestration.publish.period_files import PARQUET_OPTIONS, export_per_value

if TYPE_CHECKING:
    from orchestration.build.lineage import CsvSplit


def publish(build_file: Path, warehouse_dir: Path) -> Path:
    """Atomically replace the published warehouse with the finished build file."""
    leftover_wal = build_file.with_name(build_file.name + ".wal")
    if leftover_wal.exists():
        raise RuntimeError(f"{build_file}: still open (a .wal file exists); not publishing")
    target = published_path(warehouse_dir)
    os.replace(build_file, target)
    _fsync_dir(warehouse_dir)
    return target


def publish_with_parquet(build_file: Path, warehouse_dir: Path, version: Path) -> Path:
    """Switch the DuckDB file and the Parquet copies together: DuckDB and Parquet readers see one build.

    The two renames cannot be one, so a journal names what is being published first; a build killed between
    them is finished by the next run's `recover_publishing`, whether that run goes on to build or is refused.
    """
    journal = _journal(warehouse_dir)
    partial = journal.with_name(journal.name + ".partial")
    partial.write_text(json.dumps({"build_file": str(build_file), "version": str(version)}))
    os.replace(partial, journal)
    _fsync_dir(warehouse_dir)
    target = publish(build_file, warehouse_dir)
    switch_parquet(warehouse_dir, version)
    journal.unlink()
    return target


def recover_publishing(warehouse_dir: Path) -> str | None:
    """Finish a publish cut short after the DuckDB file moved (the Parquet switch follows), or drop it if the
    file never moved (the old pair stays). Says what it did, or None when there was nothing to do."""
    journal = _journal(warehouse_dir)
    if not journal.exists():
        return None
    record = json.loads(journal.read_text())
    version = Path(record["version"])
    moved = not Path(record["build_file"]).exists()
    if moved and version.is_dir():
        switch_parquet(warehouse_dir, version)
    journal.unlink()
    return (
        f"an interrupted publish was {'finished: Parquet switched to' if moved else 'undone:'} {version.name}"
    )


def publishing_interrupted(warehouse_dir: Path) -> bool:
    """A publish was cut short here (its journal is left): the next run finishes or undoes it first."""
    return _journal(warehouse_dir).exists()


def _journal(warehouse_dir: Path) -> Path:
    return warehouse_dir / ".publishing.json"


def export_parquet(
    build_file: Path,
    warehouse_dir: Path,
    run_id: str,
    tables: tuple[str, ...],
    file_per: dict[str, str] | None = None,
    csv_per: dict[str, CsvSplit] | None = None,
) -> Path:
    """Write every mart of the finished build as Parquet into a new version folder (not yet current).

    A table in `file_per` (mart → column) gets one file per value of that column, and the files that did not
    change are hard-linked from the current version (orchestration/publish/period_files.py). A table in
    `csv_per` is also written as `<table>/<value>.csv`, one file per value of its split column, for tools that
    import CSV (a CRM): a header line, then the rows in the table's column order, sorted as the split says.
    """
    version = serving_dir(warehouse_dir) / "versions" / run_id
    shutil.rmtree(version, ignore_errors=True)
    version.mkdir(parents=True)
    current = serving_dir(warehouse_dir) / "current"
    previous = current.resolve() if current.is_symlink() else None
    with connect_read_only(build_file) as con:
        for table in tables:
            if table in (file_per or {}):
                export_per_value(con, table, file_per[table], version, previous)
                continue
            target = sql_string(f"{version / table}.parquet")
            con.execute(f"copy marts.{table} to {target} {PARQUET_OPTIONS}")
        for table, split in (csv_per or {}).items():
            rows, types = _with_contacts(con, table)
            cells = spreadsheet_safe_columns(types)
            files = {f"{version / table}.csv": "true"}
            if split.column is not None:
                (version / table).mkdir(exist_ok=True)
                files = {
                    f"{version / table / value}.csv": f'"{split.column}" = {sql_string(value)}'
                    for value in split.values
                }
            for path, condition in files.items():
                con.execute(
                    f"copy (select {cells} from ({rows}) where {condition} order by {split.order_by})"
                    f" to {sql_string(path)} (header, delimiter ',')"
                )
    return version


def _with_contacts(con, table: str) -> tuple[str, dict[str, str]]:
    """The rows of a CSV for a CRM, and their column types: the mart's columns, then the customers list's own
    columns (email, phone, ...: raw.customer_contacts) by customer_id. Personal data goes to these files only,
    never to the Parquet copies or the report; a contact column named like a mart column is prefixed
    `contact_`."""
    types = column_types(con, f"marts.{table}")
    contacts = (
        {name: kind for name, kind in column_types(con, CONTACTS_TABLE).items() if name != "customer_id"}
        if "customer_id" in types and _exists(con, CONTACTS_TABLE)
        else {}
    )
    if not contacts:
        return f"select * from marts.{table}", types
    taken = {name.lower() for name in types}
    named = {name: f"contact_{name}" if name.lower() in taken else name for name in contacts}
    extra = ", ".join(f"contacts.{_quoted(name)} as {_quoted(alias)}" for name, alias in named.items())
    rows = (
        f"select mart.*, {extra} from marts.{table} as mart"
        f" left join {CONTACTS_TABLE} as contacts on contacts.customer_id = mart.customer_id"
    )
    return rows, {**types, **{alias: contacts[name] for name, alias in named.items()}}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _exists(con, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, name]
        ).fetchone()[0]
    )


def spreadsheet_safe_columns(types: dict[str, str]) -> str:
    """The select list of a CSV for spreadsheets: a text cell that begins with =, +, -, @, a tab or a
    carriage return gets a leading ' (OWASP's advice against CSV formula injection), so a customer id like
    `=HYPERLINK(...)` is shown, never run. Numbers are left alone; the Parquet and DuckDB copies keep every
    value as it is."""
    return ", ".join(
        f"""case when regexp_matches("{name}", '^[-=+@\\t\\r]') then '''' || "{name}" else "{name}" end"""
        f' as "{name}"'
        if is_text(sql_type)
        else f'"{name}"'
        for name, sql_type in types.items()
    )


def switch_parquet(warehouse_dir: Path, version: Path) -> Path:
    """Point serving/current at `version` with one atomic rename of a symlink; drop versions no longer used.

    The previous version is kept, so a reader that resolved `current` a moment ago can finish its query.
    """
    serving = serving_dir(warehouse_dir)
    current = serving / "current"
    previous = current.resolve() if current.is_symlink() else None
    staged = serving / f".current.{version.name}"
    staged.unlink(missing_ok=True)
    staged.symlink_to(Path("versions") / version.name)
    os.replace(staged, current)
    _fsync_dir(serving)
    for old in (serving / "versions").iterdir():
        if old.resolve() not in {version.resolve(), previous}:
            shutil.rmtree(old, ignore_errors=True)
    return current


def keep_copy(build_file: Path, destination: Path) -> Path:
    """Keep a finished build (for history) under a temporary name first, so the copy is whole or absent.

    A hard link where the file system allows it: build files are never written after they are finished
    (the next build works on its own copy), so the link costs nothing even for a file of gigabytes.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.link(build_file, partial)
    except OSError:
        shutil.copyfile(build_file, partial)
    os.replace(partial, destination)
    return destination


def keep_dbt_artifacts(warehouse_dir: Path, run_id: str) -> Path:
    """Before the build folder goes: keep its dbt run_results.json and dbt.log, replacing the previous ones
    (each file by a rename, so a reader sees a whole file)."""
    kept = last_build_dbt_dir(warehouse_dir)
    kept.mkdir(exist_ok=True)
    for name in ("run_results.json", "dbt.log"):
        source = build_folder(warehouse_dir, run_id) / "dbt" / name
        if source.is_file():
            partial = kept / f".{name}.partial"
            shutil.copyfile(source, partial)
            os.replace(partial, kept / name)
    return kept


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
