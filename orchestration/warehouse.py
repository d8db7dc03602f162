"""Build into a fresh DuckDB file and move it over the published one only when everything passed.

A failed or killed build therefore never leaves the published warehouse half-overwritten: readers see either
the previous good file or the new one. Each run builds in its own folder, `.build/<run id>/`, under the
published file's name, because DuckDB names the catalog after the file and views refer to it. A failed run's
folder stays for inspection until a later build fails (only the last failed build is kept, for a day); input
refused before any model runs leaves no folder at all.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.duckdb_reader import connect_read_only
from orchestration.paths import WAREHOUSE_FILE_NAME
from orchestration.period_files import PARQUET_OPTIONS, export_per_value
from orchestration.raw_sql import column_types, is_text, sql_string
from orchestration.settings import PyramidSettings
from orchestration.warehouse_lock import WarehouseUnavailableError

if TYPE_CHECKING:
    from orchestration.dbt_lineage import CsvSplit

STALE_BUILD_SECONDS = 24 * 3600
# The storage format of every build file: DuckDB 2.0 writes by default a format that DuckDB 1.4 LTS
# and 1.5 cannot open, and BI drivers (JDBC for DBeaver, duckdb-engine for Superset, Metabase) lag a release.
STORAGE_VERSION = "v1.4.0"


def published_path(warehouse_dir: Path) -> Path:
    return warehouse_dir / WAREHOUSE_FILE_NAME


def report_dir(warehouse_dir: Path) -> Path:
    """Where the HTML, PNG, Markdown and text reports of the published pyramid are written."""
    return warehouse_dir / "report"


def validation_dir(warehouse_dir: Path) -> Path:
    """Where the validation results and the Data Docs site of the warehouse's builds are written."""
    return warehouse_dir / "validation"


def build_folder(warehouse_dir: Path, run_id: str) -> Path:
    return warehouse_dir / ".build" / run_id


def build_path(warehouse_dir: Path, run_id: str) -> Path:
    return build_folder(warehouse_dir, run_id) / WAREHOUSE_FILE_NAME


def build_temp_dir(build_file: Path) -> Path:
    """Where DuckDB spills beyond the memory limit while the build file is written (loader and dbt)."""
    return build_file.parent / "tmp"


def build_config(settings: PyramidSettings, build_file: Path) -> dict[str, str]:
    """The DuckDB settings of the connection that lands the inputs into a build file."""
    return {
        "memory_limit": settings.memory_limit,
        "threads": str(settings.threads),
        "temp_directory": str(build_temp_dir(build_file)),
        # Applies when the connection creates the file (a build from scratch); a copy keeps its format.
        "storage_compatibility_version": STORAGE_VERSION,
    }


def start_build(warehouse_dir: Path, run_id: str, *, from_published: bool = False) -> Path:
    """A new build folder for this run; returns the path of its DuckDB file.

    The file is not created, or with `from_published` is a copy of the published warehouse (an incremental
    build adds to it; the published file itself is never written to).
    """
    folder = build_folder(warehouse_dir, run_id)
    _remove_builds(folder.parent, keep_newest=True)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    build_file = folder / WAREHOUSE_FILE_NAME
    if from_published:
        shutil.copyfile(published_path(warehouse_dir), build_file)
    return build_file


def check_published_readable(warehouse_dir: Path) -> None:
    """The published file can be opened read-only: no other program holds it open for writing (DBeaver opens
    DuckDB files read-write by default), which would also lock out every BI reader."""
    path = published_path(warehouse_dir)
    if not path.exists():
        return
    try:
        connect_read_only(path).close()
    except duckdb.Error as error:
        reason = str(error).strip().splitlines()[0]
        raise WarehouseUnavailableError(
            f"{path}: cannot be opened read-only; another program holds it open for writing (a DuckDB client"
            f" such as DBeaver: connect read-only, `duckdb -readonly`). Nothing was built. DuckDB: {reason}"
        ) from None


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


def serving_dir(warehouse_dir: Path) -> Path:
    """Parquet copies of the marts for BI tools that read files: serving/current/<table>.parquet, or
    serving/current/<table>/<period>.parquet for a mart split per period (the tier history)."""
    return warehouse_dir / "serving"


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
    change are hard-linked from the current version (orchestration/period_files.py). A table in `csv_per`
    is also written as `<table>/<value>.csv`, one file per value of its split column, for tools that import
    CSV (a CRM): a header line, then the rows in the table's column order, sorted as the split says.
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
            (version / table).mkdir(exist_ok=True)
            cells = spreadsheet_safe_columns(column_types(con, f"marts.{table}"))
            for value in split.values:
                target = sql_string(f"{version / table / value}.csv")
                con.execute(
                    f"copy (select {cells} from marts.{table} where {split.column} = {sql_string(value)}"
                    f" order by {split.order_by}) to {target} (header, delimiter ',')"
                )
    return version


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


def last_build_dbt_dir(warehouse_dir: Path) -> Path:
    """dbt's run_results.json and dbt.log of the last successful build: each node's time and result."""
    return warehouse_dir / "dbt"


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


def finish_build(warehouse_dir: Path, run_id: str) -> None:
    shutil.rmtree(build_folder(warehouse_dir, run_id), ignore_errors=True)


def keep_only_this_failed_build(warehouse_dir: Path, run_id: str) -> None:
    """This run's build failed after landing: its folder stays for inspection, older failed ones go."""
    if build_folder(warehouse_dir, run_id).is_dir():
        _remove_builds(warehouse_dir / ".build", keep=run_id)


def _remove_builds(builds: Path, *, keep: str | None = None, keep_newest: bool = False) -> None:
    """Folders of failed or killed builds (the warehouse lock is held: no other build is running).

    Only the newest is kept, for inspection, and only for a day."""
    if not builds.is_dir():
        return
    folders = sorted((path for path in builds.iterdir() if path.is_dir()), key=lambda p: p.stat().st_mtime)
    cutoff = time.time() - STALE_BUILD_SECONDS
    for position, folder in enumerate(folders):
        newest = keep_newest and position == len(folders) - 1 and folder.stat().st_mtime >= cutoff
        if folder.name != keep and not newest:
            shutil.rmtree(folder, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
