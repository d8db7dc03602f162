"""Build into a fresh DuckDB file and move it over the published one only when everything passed.

A failed or killed build therefore never leaves the published warehouse half-overwritten: readers see either
the previous good file or the new one. The build file keeps the published file's name in a sibling folder,
because DuckDB names the catalog after the file and views refer to it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.paths import WAREHOUSE_FILE_NAME


class WarehouseBusyError(RuntimeError):
    """Another build of the same warehouse is running."""


def published_path(warehouse_dir: Path) -> Path:
    return warehouse_dir / WAREHOUSE_FILE_NAME


def build_dir(warehouse_dir: Path) -> Path:
    return warehouse_dir / ".build"


@contextmanager
def exclusive_build(warehouse_dir: Path) -> Iterator[Path]:
    """Hold the warehouse's build lock and yield the path of a new, empty build file.

    The build folder of an earlier failed run is replaced; on failure it is kept for inspection.
    """
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with open(warehouse_dir / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusyError(
                f"{warehouse_dir}: another pyramid build is running on this warehouse"
            ) from None
        folder = build_dir(warehouse_dir)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        yield folder / WAREHOUSE_FILE_NAME


def publish(build_file: Path, warehouse_dir: Path) -> Path:
    """Atomically replace the published warehouse with the finished build file."""
    leftover_wal = build_file.with_name(build_file.name + ".wal")
    if leftover_wal.exists():
        raise RuntimeError(f"{build_file}: still open (a .wal file exists); not publishing")
    target = published_path(warehouse_dir)
    os.replace(build_file, target)
    _fsync_dir(warehouse_dir)
    shutil.rmtree(build_file.parent, ignore_errors=True)
    return target


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
