"""What a run is doing, for the person watching it: the phase, and n of N where the phase has a count (dbt's
nodes; the validation suites, reported one by one by the worker process, orchestration/validate/worker.py).

The steps report through the `pyramid.progress` logger (standard logging: cheap when nobody listens, safe from
dbt's thread). `pyramid run` shows it with `show_progress`: on a terminal as one live line drawn by rich (the
phase, a bar and n of N, the time spent); otherwise (CI, logs, a pipe) as plain lines, one per phase and one
when a count is complete, so a log stays short. Dagster's UI shows the same lines in the run's log
(dagster.yaml lists the logger under `python_logs`). Nothing is shown with `--quiet`, or when no one called
`show_progress` (the tests, the library).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import IO

LOGGER_NAME = "pyramid.progress"
log = logging.getLogger(LOGGER_NAME)
log.propagate = False  # shown by the handlers below, never twice through the root logger


def phase(text: str) -> None:
    """A new phase begins ("landing the inputs")."""
    log.info(text, extra={"phase": text, "done": None, "total": None})


def detail(text: str) -> None:
    """A fact within the current phase ("sales: appended, 9,124 new rows"), shown indented under it; it
    starts no phase of its own."""
    log.info(text, extra={"detail": True})


def count(text: str, done: int, total: int) -> None:
    """`done` of `total` items of the phase `text` are finished ("dbt build", 37, 108). Only the last count
    is at INFO ("dbt build: 108 of 108 done"): a log, CI or Dagster's run log gets one line, not one per node;
    the counts before it are at DEBUG, which only the live line on a terminal listens to."""
    extra = {"phase": text, "done": done, "total": total}
    if done == total:
        log.info("%s: %s of %s done", text, f"{done:,}", f"{total:,}", extra=extra)
    else:
        log.debug("%s: %s of %s", text, f"{done:,}", f"{total:,}", extra=extra)


class _PlainLines(logging.Handler):
    """One line per phase and one per finished count: what a log file or CI needs."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(logging.INFO)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        indent = "  " if getattr(record, "detail", False) else ""
        self.stream.write(f"[pyramid] {indent}{record.getMessage()}\n")
        self.stream.flush()


class _LiveLine(logging.Handler):
    """The current phase as one line that rich redraws in place: spinner, text, bar, n of N and the time the
    phase has taken (each phase starts its own clock)."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(logging.DEBUG)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self.task = None

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "detail", False):
            self.progress.console.print(f"  {record.getMessage()}", highlight=False)
            return
        done, total = getattr(record, "done", None), getattr(record, "total", None)
        description = getattr(record, "phase", record.getMessage())
        if self.task is None or done is None or self.progress.tasks[-1].description != description:
            if self.task is not None:
                self.progress.remove_task(self.task)
            self.task = self.progress.add_task(description, total=total, count="")
        if done is not None:
            self.progress.update(self.task, completed=done, total=total, count=f"{done:,} of {total:,}")


@contextmanager
def show_progress(stream: IO[str] | None = None) -> Iterator[None]:
    """Show the run's progress on `stream` (standard error) while the block runs."""
    stream = stream or sys.stderr
    handler = _LiveLine(stream) if stream.isatty() else _PlainLines(stream)
    log.addHandler(handler)
    log.setLevel(handler.level)
    try:
        with handler.progress if isinstance(handler, _LiveLine) else nullcontext():
            yield
    finally:
        log.removeHandler(handler)
        log.setLevel(logging.NOTSET)
