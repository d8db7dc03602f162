"""Great Expectations in a process of its own, started early so that its imports overlap the run's other work.

Importing GX and the suites takes seconds of one core; a run spends those seconds importing Dagster and dbt
and landing the inputs on the other. `start()` (called by `pyramid run` as soon as it holds the warehouse
lock, and by the run's first step otherwise) spawns one worker that imports GX at once; the checks then
hand it their validations. The worker lives as long as the process that started it, so a process building
many pyramids (the tests, a long-lived code server) pays the import once. If the worker cannot be started
or dies, the validation runs in this process instead: slower, never different.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.queues
import multiprocessing.util
import os
import queue
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.core import progress
from orchestration.core.duckdb_reader import use_settings
from orchestration.core.settings import PyramidSettings

if TYPE_CHECKING:
    from orchestration.validate.runner import ValidationReport

_lock = threading.Lock()
_pool: dict[str, ProcessPoolExecutor] = {}
# Suites done, as (done, total): put by the worker, shown by the process that started it.
_suites_done: dict[str, multiprocessing.queues.Queue] = {}
_in_worker: dict[str, multiprocessing.queues.Queue] = {}  # set in the worker process only
log = logging.getLogger(__name__)


def _keep_progress_queue(suites_done: multiprocessing.queues.Queue) -> None:
    """The worker's initializer: where `_validate_here` reports each suite it finished; and a watch that ends
    the worker as soon as the process that started it is gone."""
    _in_worker["suites_done"] = suites_done
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), daemon=True).start()


def _end_with_parent(parent: int, every: float = 0.5) -> None:
    """A worker outlives its parent only when the parent was killed (SIGKILL runs no exit code): the orphan
    is handed to another parent (PID 1 or a subreaper), so a changed parent PID ends it. Its resource tracker
    then sees the last end of its pipe close and ends too."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _import_gx() -> None:
    """The worker's first job: the imports every validation needs (GX, the suites, the expected values)."""
    import orchestration.validate.independent
    import orchestration.validate.runner
    import orchestration.validate.suites  # noqa: F401


def _validate_here(
    settings: PyramidSettings, duckdb_path: Path, stage: str, out_dir: Path, label: str
) -> ValidationReport:
    from orchestration.validate.runner import run_validation

    use_settings(settings)  # the run's memory limit for the read-only connections of this process
    suites_done = _in_worker.get("suites_done")
    if suites_done is not None:  # in the worker: the process that started it shows the progress

        def suite_done(done: int, total: int) -> None:
            suites_done.put((done, total))
    else:

        def suite_done(done: int, total: int) -> None:
            progress.count(label, done, total)

    return run_validation(duckdb_path, stage, out_dir, on_suite_done=suite_done)


TRACKER_WARNING = "ignore::UserWarning:multiprocessing.resource_tracker"


def start() -> None:
    """Start the worker (once per process); returns at once, the worker imports GX in the background."""
    with _lock:
        if "pool" in _pool:
            return
        # `pyramid` ends with os._exit, so the pool's semaphores are unlinked by multiprocessing's resource
        # tracker, which would warn about each one ("leaked semaphore objects") although that is its job. The
        # tracker starts with the pool and takes this process's warning options.
        if TRACKER_WARNING not in sys.warnoptions:
            sys.warnoptions.append(TRACKER_WARNING)
        try:
            context = multiprocessing.get_context("spawn")
            suites_done = context.Queue()
            pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_keep_progress_queue,
                initargs=(suites_done,),
            )
            pool.submit(_import_gx)
        except (OSError, RuntimeError) as error:  # no process to spare: validate in this process
            log.warning("validation worker not started (%s); validating in this process", error)
            return
        _pool["pool"] = pool
        _suites_done["queue"] = suites_done
    # On every way out that runs exit code: atexit in a main process, and multiprocessing's own exit function
    # in a multiprocessing child (a Dagster run's process), which runs finalizers of priority >= 0 and then
    # joins every child: without this stop first it would wait for ever on the idle worker.
    multiprocessing.util.Finalize(None, stop, exitpriority=100)


def stop() -> None:
    with _lock:
        pool = _pool.pop("pool", None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def validate(
    settings: PyramidSettings, duckdb_path: Path, stage: str, out_dir: Path, label: str
) -> ValidationReport:
    """`run_validation` in the worker (started now if it was not), or in this process if it cannot run;
    `label` names the phase in the run's progress, with the suites done of how many."""
    start()
    progress.phase(label)
    pool = _pool.get("pool")
    if pool is not None:
        try:
            suites_done = _suites_done["queue"]
            _drain(suites_done)  # a count that came too late for the previous validation
            validation = pool.submit(_validate_here, settings, duckdb_path, stage, out_dir, label)
            _show_suites_done(validation, suites_done, label)
            return validation.result()
        except BrokenProcessPool as error:
            log.warning("validation worker stopped (%s); validating in this process", error)
            with _lock:
                _pool.pop("pool", None)
    return _validate_here(settings, duckdb_path, stage, out_dir, label)


def _show_suites_done(validation: Future, suites_done: multiprocessing.queues.Queue, label: str) -> None:
    """Pass the worker's "n of N suites" on to the run's progress until the validation is over."""
    while True:
        try:
            done, total = suites_done.get(timeout=0.05 if not validation.done() else 0.5)
        except queue.Empty:
            if validation.done():
                return  # a failed validation, or its last count already shown
            continue
        progress.count(label, done, total)
        if done == total:
            return


def _drain(suites_done: multiprocessing.queues.Queue) -> None:
    with contextlib.suppress(queue.Empty):
        while True:
            suites_done.get_nowait()
