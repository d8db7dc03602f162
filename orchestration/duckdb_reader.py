"""Read-only DuckDB connections that respect the project's memory limit.

Validation, publishing and reports read finished build files. Left to its default, DuckDB may use 80 % of the
machine's memory for one query (a hash aggregate over 100 million lines took 16 GB); these connections use
the same `memory_limit` and `threads` as the build (PYRAMID_DUCKDB_MEMORY_LIMIT / _THREADS, exported by the
`pyramid` resource) and spill beyond it into `<file>.tmp`, beside the file they read.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

DEFAULT_MEMORY_LIMIT = "4GB"
DEFAULT_THREADS = "2"


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        str(path),
        read_only=True,
        config={
            "memory_limit": os.environ.get("PYRAMID_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
            "threads": os.environ.get("PYRAMID_DUCKDB_THREADS", DEFAULT_THREADS),
        },
    )
