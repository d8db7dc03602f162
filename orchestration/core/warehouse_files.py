"""Where each file of a warehouse folder lives, and the life of a build folder.

Every step reads these locations (landing starts a build file, validation writes beside it, publishing moves
it over the published one), so they sit below all of them. A failed run's folder stays for inspection until a
later build fails (only the last failed build is kept, for a day); input refused before any model runs leaves
no folder at all.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb

from orchestration.core.duckdb_reader import connect_read_only
from orchestration.core.paths import WAREHOUSE_FILE_NAME
from orchestration.core.settings import PyramidSettings
from orchestration.core.warehouse_lock import WarehouseUnavailableError

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


def serving_dir(warehouse_dir: Path) -> Path:
    """Parquet copies of the marts for BI tools that read files: serving/current/<table>.parquet, or
    serving/current/<table>/<period>.parquet for a mart split per period (the tier history)."""
    return warehouse_dir / "serving"


def last_build_dbt_dir(warehouse_dir: Path) -> Path:
    """dbt's run_results.json and dbt.log of the last successful build: each node's time and result."""
    return warehouse_dir / "dbt"


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
