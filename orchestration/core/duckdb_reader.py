"""Read-only DuckDB connections that respect the build's memory limit.

Validation, publishing and reports read finished build files. Left to its default, DuckDB may use 80 % of the
machine's memory for one query (a hash aggregate over 100 million lines took 16 GB); these connections use
the `memory_limit` and `threads` of the run's settings, which each step hands over with `use_settings`
(until then: the defaults of orchestration/core/settings.py), and spill beyond it into `<file>.tmp`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.core.settings import PyramidSettings

_limits = {"memory_limit": PyramidSettings.memory_limit, "threads": PyramidSettings.threads}


def use_settings(settings: PyramidSettings) -> None:
    """The memory limit and threads of every read-only connection this process opens from now on."""
    _limits.update(memory_limit=settings.memory_limit, threads=settings.threads)


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        str(path),
        read_only=True,
        config={"memory_limit": _limits["memory_limit"], "threads": str(_limits["threads"])},
    )
