"""One build of a warehouse at a time, whichever way it was started: `pyramid run`, the UI, the schedule or a
backfill.

The lock is an exclusive `flock` on `<warehouse>/.lock`, which the operating system drops when the holding
process ends, so a killed build never leaves it behind. The file says who holds it, so a refused build can
name the run in the way. Within one process the lock is re-entrant: `pyramid run` takes it before anything
else (so the run started first wins) and the job's steps, which take it too, find it held already; a Dagster
run worker takes it in its first step and gives it up after its last one, or when a step fails.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

LOCK_FILE_NAME = ".lock"
_held: dict[Path, TextIO] = {}
_holders: dict[Path, str] = {}
_first_holder: dict[Path, str] = {}


class WarehouseUnavailableError(RuntimeError):
    """The warehouse cannot be built now: its folder is not writable, or another program holds its file."""


class WarehouseBusyError(WarehouseUnavailableError):
    """Another build of the same warehouse is running."""


def acquire(warehouse_dir: Path, holder: str) -> None:
    """Hold the warehouse for this process, or raise WarehouseBusyError naming the build that holds it."""
    key = warehouse_dir.resolve()
    handle = _held.get(key)
    if handle is None:
        try:
            warehouse_dir.mkdir(parents=True, exist_ok=True)
            # An existing lock file would open in a folder that refuses new files; publishing needs new files
            # (renamed into place), so a run finds out now, not after the whole build.
            with tempfile.NamedTemporaryFile(dir=warehouse_dir, prefix=".write-check-"):
                pass
            handle = open(warehouse_dir / LOCK_FILE_NAME, "a+")  # noqa: SIM115 (held beyond this function)
        except OSError as error:
            raise WarehouseUnavailableError(
                f"{warehouse_dir}: cannot write in the warehouse folder ({error.strerror}); nothing was built"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            other = handle.read().strip() or "another process"
            handle.close()
            raise WarehouseBusyError(
                f"{warehouse_dir}: another pyramid build is running on this warehouse ({other});"
                " run again when it has finished"
            ) from None
        _held[key] = handle
        _first_holder[key] = holder
        since = dt.datetime.now().isoformat(timespec="seconds")
        _holders[key] = f"{holder}, pid {os.getpid()}, since {since}"
    elif holder not in _holders[key]:
        _holders[key] = f"{holder} in {_holders[key]}"
    handle.seek(0)
    handle.truncate()
    handle.write(_holders[key] + "\n")
    handle.flush()


def release(warehouse_dir: Path, holder: str | None = None) -> None:
    """Give the lock up; with `holder`, only if that holder took it (a run inside `pyramid run` leaves it)."""
    key = warehouse_dir.resolve()
    if holder is not None and _first_holder.get(key) != holder:
        return
    _holders.pop(key, None)
    _first_holder.pop(key, None)
    handle = _held.pop(key, None)
    if handle is not None:
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@contextmanager
def warehouse_lock(warehouse_dir: Path, holder: str) -> Iterator[None]:
    """Hold the warehouse while the block runs (kept held if this process held it before)."""
    held_before = warehouse_dir.resolve() in _held
    acquire(warehouse_dir, holder)
    try:
        yield
    finally:
        if not held_before:
            release(warehouse_dir)
